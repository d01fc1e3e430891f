#include "orchestrator/vmware/vim25_reply.h"

#include <charconv>

namespace mm::vmware {
namespace {

[[noreturn]] void fail(std::string_view where, const std::string& problem) {
  throw ReplyError("vim25 reply: " + std::string(where) + ": " + problem);
}

bool is_element(const pugi::xml_node& n) {
  return n.type() == pugi::node_element;
}

std::string trimmed(const std::string& s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t b = 0, e = s.size();
  while (b < e && space(s[b])) ++b;
  while (e > b && space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

}  // namespace

Reply Reply::parse(std::string_view xml, std::string_view method) {
  const std::string where = std::string(method) + " reply";
  Reply r;
  r.method_ = method;
  r.doc_ = std::make_shared<pugi::xml_document>();
  const pugi::xml_parse_result parsed =
      r.doc_->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    fail(where, "not well-formed XML at byte " + std::to_string(parsed.offset) + ": " +
                    parsed.description());
  }
  pugi::xml_node envelope = r.doc_->document_element();
  if (!envelope || local_name(envelope.name()) != "Envelope") {
    fail(where, "the document is not a SOAP Envelope");
  }
  pugi::xml_node body = child(envelope, "Body", "soapenv:Envelope");
  pugi::xml_node payload;
  for (pugi::xml_node c = body.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c)) continue;
    if (payload) fail(where, "the SOAP Body holds more than one element");
    payload = c;
  }
  if (!payload) fail(where, "the SOAP Body is empty");
  const std::string_view kind = local_name(payload.name());
  if (kind == "Fault") cbt::throw_soap_fault(payload, method);
  if (kind != std::string(method) + "Response") {
    fail(where, "the SOAP Body holds <" + std::string(kind) + "> instead of <" +
                    std::string(method) + "Response>");
  }
  r.response_ = payload;
  return r;
}

pugi::xml_node Reply::returnval() const {
  return child(response_, "returnval", method_ + "Response");
}

pugi::xml_node Reply::optional_returnval() const {
  return optional_child(response_, "returnval", method_ + "Response");
}

pugi::xml_node child(pugi::xml_node parent, std::string_view name, std::string_view where) {
  pugi::xml_node found = optional_child(parent, name, where);
  if (!found) fail(where, "<" + std::string(name) + "> is missing");
  return found;
}

pugi::xml_node optional_child(pugi::xml_node parent, std::string_view name,
                              std::string_view where) {
  pugi::xml_node found;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c) || local_name(c.name()) != name) continue;
    if (found) fail(where, "<" + std::string(name) + "> appears more than once");
    found = c;
  }
  return found;
}

std::vector<pugi::xml_node> children(pugi::xml_node parent, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (is_element(c) && local_name(c.name()) == name) out.push_back(c);
  }
  return out;
}

std::string text(pugi::xml_node n, std::string_view where) {
  std::string out;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      out += c.value();
    } else if (is_element(c)) {
      fail(where,
           "holds an element <" + std::string(local_name(c.name())) + "> where text was expected");
    }
  }
  return out;
}

int64_t to_int(pugi::xml_node n, std::string_view where) {
  const std::string raw = text(n, where);
  std::string s = trimmed(raw);
  std::string_view digits(s);
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec == std::errc::invalid_argument || ptr != digits.data() + digits.size()) {
    fail(where, "not a whole number: \"" + raw + "\"");
  }
  if (ec == std::errc::result_out_of_range) fail(where, "number out of range: \"" + raw + "\"");
  return value;
}

bool to_bool(pugi::xml_node n, std::string_view where) {
  const std::string raw = text(n, where);
  const std::string s = trimmed(raw);
  if (s == "true" || s == "1") return true;
  if (s == "false" || s == "0") return false;
  fail(where, "not a boolean: \"" + raw + "\"");
}

MoRef to_moref(pugi::xml_node n, std::string_view where) {
  MoRef ref;
  // The plain (unprefixed) `type` attribute; xsi:type is another attribute.
  pugi::xml_attribute type = n.attribute("type");
  if (!type || std::string_view(type.value()).empty()) {
    fail(where, "managed object reference without a type");
  }
  ref.type = type.value();
  ref.value = trimmed(text(n, where));
  if (ref.value.empty()) fail(where, "empty managed object reference");
  return ref;
}

std::string optional_text(pugi::xml_node parent, std::string_view name, std::string_view where) {
  pugi::xml_node n = optional_child(parent, name, where);
  return n ? text(n, std::string(where) + "." + std::string(name)) : std::string();
}

bool optional_bool(pugi::xml_node parent, std::string_view name, std::string_view where,
                   bool fallback) {
  pugi::xml_node n = optional_child(parent, name, where);
  return n ? to_bool(n, std::string(where) + "." + std::string(name)) : fallback;
}

int64_t optional_int(pugi::xml_node parent, std::string_view name, std::string_view where,
                     int64_t fallback) {
  pugi::xml_node n = optional_child(parent, name, where);
  return n ? to_int(n, std::string(where) + "." + std::string(name)) : fallback;
}

}  // namespace mm::vmware
