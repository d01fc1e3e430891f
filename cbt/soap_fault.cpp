#include "cbt/soap_fault.h"

#include <pugixml.hpp>

namespace mm::cbt {
namespace {

constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

bool is_element(const pugi::xml_node& n) {
  return n.type() == pugi::node_element;
}

// The namespace URI bound to `prefix` at element `n` (the nearest xmlns:prefix declaration).
std::string_view namespace_of(pugi::xml_node n, std::string_view prefix) {
  const std::string attr = "xmlns:" + std::string(prefix);
  for (; n && is_element(n); n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

std::string fault_type_of(const pugi::xml_node& fault) {
  for (pugi::xml_node d = fault.first_child(); d; d = d.next_sibling()) {
    if (!is_element(d) || local_name(d.name()) != "detail") continue;
    for (pugi::xml_node f = d.first_child(); f; f = f.next_sibling()) {
      if (!is_element(f)) continue;
      if (std::string type = xsi_type(f); !type.empty()) return type;
      std::string name(local_name(f.name()));
      // vim25 wraps fault X in an element named XFault.
      if (name.size() > 5 && name.ends_with("Fault")) name.resize(name.size() - 5);
      return name;
    }
  }
  for (pugi::xml_node c = fault.first_child(); c; c = c.next_sibling()) {
    if (is_element(c) && local_name(c.name()) == "faultcode") {
      return std::string(local_name(c.child_value()));
    }
  }
  return "unknown";
}

}  // namespace

std::string_view local_name(const char* qualified) {
  std::string_view n(qualified);
  const size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

std::string xsi_type(const pugi::xml_node& element) {
  for (pugi::xml_attribute a = element.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view name(a.name());
    const size_t colon = name.find(':');
    if (colon == std::string_view::npos || name.substr(colon + 1) != "type") continue;
    if (namespace_of(element, name.substr(0, colon)) != kXsiNamespace) continue;
    return std::string(local_name(a.value()));
  }
  return {};
}

void throw_soap_fault(const pugi::xml_node& fault, std::string_view method) {
  std::string fault_string;
  for (pugi::xml_node c = fault.first_child(); c; c = c.next_sibling()) {
    if (is_element(c) && local_name(c.name()) == "faultstring") fault_string = c.child_value();
  }
  std::string type = fault_type_of(fault);
  std::string message = std::string(method) + " failed with SOAP fault " + type;
  if (!fault_string.empty()) message += ": " + fault_string;
  throw SoapFault(std::move(type), std::move(fault_string), message);
}

}  // namespace mm::cbt
