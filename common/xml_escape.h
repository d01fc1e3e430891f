#pragma once
// XML text content or attribute value with &, <, >, " and ' escaped: the vSphere SOAP requests
// and mm-bench's SVG chart both write user-given names into XML.
#include <string>
#include <string_view>

namespace mm {

std::string xml_escape(std::string_view text);

}  // namespace mm
