#include "orchestrator/vmware/vim25_request.h"

namespace mm::vmware {

std::string element(std::string_view tag, std::string_view text) {
  return "<" + std::string(tag) + ">" + xml_escape(text) + "</" + std::string(tag) + ">";
}

std::string moref_element(std::string_view tag, const MoRef& ref) {
  return "<" + std::string(tag) + " type=\"" + xml_escape(ref.type) + "\">" +
         xml_escape(ref.value) + "</" + std::string(tag) + ">";
}

std::string soap_request(std::string_view method, const MoRef& this_ref, std::string_view inner) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><";
  out += method;
  out += " xmlns=\"urn:vim25\">";
  out += moref_element("_this", this_ref);
  out += inner;
  out += "</";
  out += method;
  out += "></soapenv:Body></soapenv:Envelope>";
  return out;
}

}  // namespace mm::vmware
