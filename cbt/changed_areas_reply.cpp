#include "cbt/changed_areas_reply.h"

#include <pugixml.hpp>

#include <charconv>
#include <limits>

namespace mm::cbt {
namespace {

[[noreturn]] void fail(const std::string& problem) {
  throw ChangedAreasReplyError("QueryChangedDiskAreas reply: " + problem);
}

bool is_element(const pugi::xml_node& n) {
  return n.type() == pugi::node_element;
}

// The only element child of `parent` called `name`; a missing or repeated one is an error.
pugi::xml_node only_child(const pugi::xml_node& parent, std::string_view name,
                          const std::string& where) {
  pugi::xml_node found;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c) || local_name(c.name()) != name) continue;
    if (found) fail("<" + std::string(name) + "> appears more than once in " + where);
    found = c;
  }
  if (!found) fail("<" + std::string(name) + "> is missing from " + where);
  return found;
}

// The text of an element that may hold only text (no child elements).
std::string text_of(const pugi::xml_node& n, const std::string& what) {
  std::string text;
  for (pugi::xml_node c = n.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) {
      text += c.value();
    } else if (is_element(c)) {
      fail(what + " holds an element <" + std::string(c.name()) + "> instead of a number");
    }
  }
  return text;
}

// xsd:long, non-negative: optional surrounding XML whitespace, optional '+', digits, nothing else.
uint64_t parse_offset(const pugi::xml_node& n, const std::string& what) {
  const std::string text = text_of(n, what);
  std::string_view s(text);
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  if (!s.empty() && s.front() == '-') {
    fail(what + " is negative: \"" + text + "\"");
  }
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() < '0' || s.front() > '9') {
    fail(what + " is not a number: \"" + text + "\"");
  }
  int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) fail(what + " overflows xsd:long: \"" + text + "\"");
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    fail(what + " is not a whole number: \"" + text + "\"");
  }
  return static_cast<uint64_t>(value);
}

// DynamicData members that vim25 may put on any data object; they carry no disk areas.
bool is_dynamic_data_member(std::string_view name) {
  return name == "dynamicType" || name == "dynamicProperty";
}

Extent parse_area(const pugi::xml_node& area, size_t index) {
  const std::string where = "changedArea " + std::to_string(index);
  for (pugi::xml_node c = area.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c)) continue;
    const std::string_view name = local_name(c.name());
    if (name != "start" && name != "length" && !is_dynamic_data_member(name)) {
      fail("unexpected element <" + std::string(name) + "> in " + where);
    }
  }
  Extent e;
  e.offset = parse_offset(only_child(area, "start", where), where + " start");
  e.length = parse_offset(only_child(area, "length", where), where + " length");
  return e;
}

}  // namespace

DiskChangeInfo parse_changed_disk_areas_reply(std::string_view xml) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    fail("not well-formed XML at byte " + std::to_string(parsed.offset) + ": " +
         parsed.description());
  }
  pugi::xml_node envelope = doc.document_element();
  if (!envelope || local_name(envelope.name()) != "Envelope") {
    fail("the document is not a SOAP Envelope");
  }
  pugi::xml_node body = only_child(envelope, "Body", "the SOAP Envelope");
  pugi::xml_node payload;
  for (pugi::xml_node c = body.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c)) continue;
    if (payload) fail("the SOAP Body holds more than one element");
    payload = c;
  }
  if (!payload) fail("the SOAP Body is empty");
  const std::string_view kind = local_name(payload.name());
  if (kind == "Fault") throw_soap_fault(payload, "QueryChangedDiskAreas");
  if (kind != "QueryChangedDiskAreasResponse") {
    fail("the SOAP Body holds <" + std::string(kind) +
         "> instead of QueryChangedDiskAreasResponse");
  }
  pugi::xml_node ret = only_child(payload, "returnval", "QueryChangedDiskAreasResponse");

  DiskChangeInfo info;
  size_t areas = 0;
  for (pugi::xml_node c = ret.first_child(); c; c = c.next_sibling()) {
    if (!is_element(c)) continue;
    const std::string_view name = local_name(c.name());
    if (name == "changedArea") {
      info.changed_areas.push_back(parse_area(c, areas++));
    } else if (name != "startOffset" && name != "length" && !is_dynamic_data_member(name)) {
      fail("unexpected element <" + std::string(name) + "> in returnval");
    }
  }
  info.start_offset = parse_offset(only_child(ret, "startOffset", "returnval"), "startOffset");
  info.length = parse_offset(only_child(ret, "length", "returnval"), "length");
  return info;
}

}  // namespace mm::cbt
