#pragma once
// SOAP faults and the few XML name rules every vim25 reply reader needs (the CBT pager's reply
// parser here, the orchestrator's VMware client), so a fault reads the same wherever it arrives.
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace pugi {
class xml_node;
}

namespace mm::cbt {

// The server answered with soapenv:Fault. fault_type() is the vim25 fault ("InvalidLogin",
// "FileNotFound", ...).
class SoapFault : public std::runtime_error {
 public:
  SoapFault(std::string fault_type, std::string fault_string, const std::string& message)
      : std::runtime_error(message),
        fault_type_(std::move(fault_type)),
        fault_string_(std::move(fault_string)) {}
  const std::string& fault_type() const { return fault_type_; }
  const std::string& fault_string() const { return fault_string_; }

 private:
  std::string fault_type_;
  std::string fault_string_;
};

// The local part of a possibly prefixed XML name: "soapenv:Body" -> "Body".
std::string_view local_name(const char* qualified);

// The local part of the element's xsi:type ("VirtualDisk"), "" without one. The prefix must be
// bound to the XML Schema instance namespace, whatever it is called (govmomi's simulator writes
// "XMLSchema-instance:type").
std::string xsi_type(const pugi::xml_node& element);

// Throws SoapFault for a soapenv:Fault element. The type is the detail's xsi:type, else the
// detail element's name without its "Fault" suffix, else the faultcode; the message names
// `method` and carries the faultstring.
[[noreturn]] void throw_soap_fault(const pugi::xml_node& fault, std::string_view method);

}  // namespace mm::cbt
