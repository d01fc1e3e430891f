#pragma once
// Reader of vim25 SOAP replies (pugixml). A reply is either the method's response element or a
// soapenv:Fault; elements are matched by local name whatever prefix the server chose, and xsi:type
// is found through the namespace its prefix is bound to (govmomi's simulator writes
// `XMLSchema-instance:type`). Every accessor that meets something it cannot accept throws
// ReplyError naming the element and the problem, so a garbled reply never becomes a silent zero.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

#include "cbt/soap_fault.h"

namespace mm::vmware {

// A malformed reply: not XML, not a SOAP envelope, a missing, repeated or unexpected element, a
// value of the wrong kind.
class ReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The server answered with soapenv:Fault (fault_type() is "InvalidLogin", "NotAuthenticated", ...):
// the same fault type the CBT pager reads.
using VimFault = cbt::SoapFault;
using cbt::local_name;
using cbt::xsi_type;

// A managed object reference: <x type="VirtualMachine">vm-42</x>.
struct MoRef {
  std::string type;
  std::string value;
  bool empty() const { return value.empty(); }
  friend bool operator==(const MoRef&, const MoRef&) = default;
};

// One parsed reply; the document stays alive as long as any copy of the Reply does, so nodes
// taken from it may be kept beside it.
class Reply {
 public:
  // Parses a whole SOAP response body for `method` ("RetrievePropertiesEx"): throws VimFault for
  // a fault, ReplyError when the body is not <METHODResponse>.
  static Reply parse(std::string_view xml, std::string_view method);
  // The <METHODResponse> element.
  pugi::xml_node response() const { return response_; }
  // Its <returnval>; throws ReplyError when missing or repeated.
  pugi::xml_node returnval() const;
  // Its <returnval>, or an empty node for a method that returns nothing.
  pugi::xml_node optional_returnval() const;

 private:
  std::shared_ptr<pugi::xml_document> doc_;
  pugi::xml_node response_;
  std::string method_;
};

// Element helpers. `where` names the element for the error message ("config.hardware").
// The only child element called `name`; throws when missing or repeated.
pugi::xml_node child(pugi::xml_node parent, std::string_view name, std::string_view where);
// The child element called `name`, or an empty node; throws when repeated.
pugi::xml_node optional_child(pugi::xml_node parent, std::string_view name, std::string_view where);
// Every child element called `name`, in order.
std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view name);
// Text of an element that holds no child element.
std::string text(pugi::xml_node n, std::string_view where);
// xsd:long / xsd:int / xsd:boolean values; throws on anything else (or out of range).
int64_t to_int(pugi::xml_node n, std::string_view where);
bool to_bool(pugi::xml_node n, std::string_view where);
// A ManagedObjectReference: the `type` attribute (without namespace) and a non-empty value.
MoRef to_moref(pugi::xml_node n, std::string_view where);

// Optional-value shortcuts over optional_child.
std::string optional_text(pugi::xml_node parent, std::string_view name, std::string_view where);
bool optional_bool(pugi::xml_node parent, std::string_view name, std::string_view where,
                   bool fallback);
int64_t optional_int(pugi::xml_node parent, std::string_view name, std::string_view where,
                     int64_t fallback);

}  // namespace mm::vmware
