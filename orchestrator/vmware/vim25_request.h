#pragma once
// Writer of vim25 SOAP requests: the envelope and the few value shapes requests need. Values
// are XML-escaped here, so callers pass plain text (user names, passwords, snapshot names).
#include <string>
#include <string_view>

#include "common/xml_escape.h"
#include "orchestrator/vmware/vim25_reply.h"

namespace mm::vmware {

using mm::xml_escape;  // text content or attribute value with &, <, >, " and ' escaped
// <TAG>text</TAG>
std::string element(std::string_view tag, std::string_view text);
// <TAG type="TYPE">VALUE</TAG>
std::string moref_element(std::string_view tag, const MoRef& ref);
// The whole request: an Envelope whose Body holds <METHOD xmlns="urn:vim25">INNER</METHOD>,
// where INNER starts with the <_this> element.
std::string soap_request(std::string_view method, const MoRef& this_ref, std::string_view inner);

}  // namespace mm::vmware
