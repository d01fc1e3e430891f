// The QueryChangedDiskAreas reply parser and the pager, with vim25 SOAP replies written from the
// vSphere API reference (DiskChangeInfo, DiskChangeExtent, SOAP 1.1 faults with vim25 detail).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cbt/changed_areas_reply.h"
#include "cbt/vmware_changed_areas.h"

namespace mm::cbt {
namespace {

constexpr uint64_t kGiB = 1ull << 30;

std::string envelope(const std::string& body) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"
 xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
 xmlns:xsd="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<soapenv:Body>
)" + body + "\n</soapenv:Body>\n</soapenv:Envelope>\n";
}

std::string area(const std::string& start, const std::string& length) {
  return "<changedArea><start>" + start + "</start><length>" + length + "</length></changedArea>";
}
std::string area(uint64_t start, uint64_t length) {
  return area(std::to_string(start), std::to_string(length));
}

std::string response(const std::string& returnval) {
  return envelope(R"(<QueryChangedDiskAreasResponse xmlns="urn:vim25"><returnval>)" + returnval +
                  "</returnval></QueryChangedDiskAreasResponse>");
}

std::string reply(uint64_t start, uint64_t length, const std::vector<Extent>& areas) {
  std::string r = "<startOffset>" + std::to_string(start) + "</startOffset><length>" +
                  std::to_string(length) + "</length>";
  for (const Extent& a : areas) r += area(a.offset, a.length);
  return response(r);
}

std::string fault(const std::string& faultstring, const std::string& detail) {
  return envelope("<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>" +
                  faultstring + "</faultstring>" + detail + "</soapenv:Fault>");
}

const std::string kFileFault = fault(
    "Error caused by file /vmfs/volumes/5f1e/vm1/vm1-ctk.vmdk",
    R"(<detail><FileFaultFault xmlns="urn:vim25" xsi:type="FileFault"><file>/vmfs/volumes/5f1e/vm1/vm1-ctk.vmdk</file></FileFaultFault></detail>)");
const std::string kInvalidArgument = fault(
    "A specified parameter was not correct: changeId",
    R"(<detail><InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument"><invalidProperty>changeId</invalidProperty></InvalidArgumentFault></detail>)");

// Canned replies by asked offset; records every call.
class FakeQuery : public ChangedAreasQuery {
 public:
  std::map<int64_t, std::string> replies;
  struct Call {
    std::string snapshot;
    int32_t device_key;
    int64_t offset;
    std::string change_id;
  };
  std::vector<Call> calls;

  std::string query_changed_disk_areas(const std::string& snapshot, int32_t device_key,
                                       int64_t offset, const std::string& change_id) override {
    calls.push_back({snapshot, device_key, offset, change_id});
    auto it = replies.find(offset);
    if (it == replies.end()) throw std::logic_error("no reply for offset " + std::to_string(offset));
    return it->second;
  }
};

// --- parser --------------------------------------------------------------------------------

TEST(ChangedAreasReply, ParsesADiskChangeInfo) {
  const std::string xml = response(R"(
      <startOffset>0</startOffset>
      <length>10737418240</length>
      <changedArea><start>0</start><length>65536</length></changedArea>
      <changedArea>
        <start> 1048576 </start>
        <length>+131072</length>
      </changedArea>)");
  const DiskChangeInfo info = parse_changed_disk_areas_reply(xml);
  EXPECT_EQ(info.start_offset, 0u);
  EXPECT_EQ(info.length, 10 * kGiB);
  const std::vector<Extent> want = {{0, 65536}, {1048576, 131072}};
  EXPECT_EQ(info.changed_areas, want);
}

TEST(ChangedAreasReply, NoChangedAreaIsAnEmptyList) {
  const DiskChangeInfo info = parse_changed_disk_areas_reply(reply(4 * kGiB, kGiB, {}));
  EXPECT_EQ(info.start_offset, 4 * kGiB);
  EXPECT_EQ(info.length, kGiB);
  EXPECT_TRUE(info.changed_areas.empty());
}

TEST(ChangedAreasReply, MatchesElementsByLocalNameWhateverThePrefix) {
  const std::string xml = R"(<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
<S:Body><v:QueryChangedDiskAreasResponse xmlns:v="urn:vim25"><v:returnval>
<v:startOffset>512</v:startOffset><v:length>1024</v:length>
<v:changedArea><v:start>512</v:start><v:length>512</v:length></v:changedArea>
</v:returnval></v:QueryChangedDiskAreasResponse></S:Body></S:Envelope>)";
  const DiskChangeInfo info = parse_changed_disk_areas_reply(xml);
  EXPECT_EQ(info.start_offset, 512u);
  ASSERT_EQ(info.changed_areas.size(), 1u);
  EXPECT_EQ(info.changed_areas[0], (Extent{512, 512}));
}

TEST(ChangedAreasReply, ToleratesDynamicDataMembers) {
  const std::string xml =
      response("<dynamicType>x</dynamicType><startOffset>0</startOffset><length>10</length>");
  EXPECT_EQ(parse_changed_disk_areas_reply(xml).length, 10u);
}

TEST(ChangedAreasReply, FileFaultIsNamed) {
  try {
    parse_changed_disk_areas_reply(kFileFault);
    FAIL() << "no fault";
  } catch (const SoapFault& f) {
    EXPECT_EQ(f.fault_type(), "FileFault");
    EXPECT_NE(std::string(f.what()).find("FileFault"), std::string::npos) << f.what();
    EXPECT_NE(std::string(f.what()).find("vm1-ctk.vmdk"), std::string::npos) << f.what();
  }
}

TEST(ChangedAreasReply, InvalidArgumentFaultIsNamed) {
  try {
    parse_changed_disk_areas_reply(kInvalidArgument);
    FAIL() << "no fault";
  } catch (const SoapFault& f) {
    EXPECT_EQ(f.fault_type(), "InvalidArgument");
    EXPECT_EQ(f.fault_string(), "A specified parameter was not correct: changeId");
  }
}

TEST(ChangedAreasReply, FaultWithoutXsiTypeOrDetail) {
  try {
    parse_changed_disk_areas_reply(fault(
        "not found", R"(<detail><NotFoundFault xmlns="urn:vim25"></NotFoundFault></detail>)"));
    FAIL() << "no fault";
  } catch (const SoapFault& f) {
    EXPECT_EQ(f.fault_type(), "NotFound");
  }
  try {
    parse_changed_disk_areas_reply(fault("internal error", ""));
    FAIL() << "no fault";
  } catch (const SoapFault& f) {
    EXPECT_EQ(f.fault_type(), "ServerFaultCode");
    EXPECT_NE(std::string(f.what()).find("internal error"), std::string::npos);
  }
}

struct Malformed {
  const char* name;
  std::string xml;
  const char* problem;  // a substring of the error
};

TEST(ChangedAreasReply, MalformedRepliesAreErrors) {
  const std::string ok_head = "<startOffset>0</startOffset><length>100</length>";
  const std::vector<Malformed> cases = {
      {"empty", "", "not well-formed XML"},
      {"not xml", "HTTP 503 Service Unavailable", "not well-formed XML"},
      {"truncated", response(ok_head).substr(0, 300), "not well-formed XML"},
      {"not an envelope", "<html><body>login</body></html>", "not a SOAP Envelope"},
      {"no body", "<soapenv:Envelope xmlns:soapenv=\"x\"/>", "<Body> is missing"},
      {"empty body", envelope(""), "SOAP Body is empty"},
      {"other response", envelope("<RetrievePropertiesResponse/>"), "RetrievePropertiesResponse"},
      {"two payloads", envelope("<QueryChangedDiskAreasResponse/><QueryChangedDiskAreasResponse/>"),
       "more than one element"},
      {"no returnval", envelope("<QueryChangedDiskAreasResponse/>"), "<returnval> is missing"},
      {"two returnvals",
       envelope("<QueryChangedDiskAreasResponse><returnval>" + ok_head +
                "</returnval><returnval>" + ok_head + "</returnval></QueryChangedDiskAreasResponse>"),
       "<returnval> appears more than once"},
      {"no startOffset", response("<length>100</length>"), "<startOffset> is missing"},
      {"no length", response("<startOffset>0</startOffset>"), "<length> is missing"},
      {"two lengths", response(ok_head + "<length>5</length>"), "<length> appears more than once"},
      {"area without start", response(ok_head + "<changedArea><length>1</length></changedArea>"),
       "<start> is missing from changedArea 0"},
      {"area without length", response(ok_head + area(0, 1) + "<changedArea><start>5</start></changedArea>"),
       "<length> is missing from changedArea 1"},
      {"garbage after digits", response("<startOffset>12abc</startOffset><length>1</length>"),
       "startOffset is not a whole number"},
      {"empty number", response("<startOffset></startOffset><length>1</length>"),
       "startOffset is not a number"},
      {"fraction", response("<startOffset>0</startOffset><length>1.5</length>"),
       "length is not a whole number"},
      {"exponent", response("<startOffset>0</startOffset><length>1e9</length>"),
       "length is not a whole number"},
      {"hex", response("<startOffset>0x10</startOffset><length>1</length>"),
       "startOffset is not a whole number"},
      {"negative", response(ok_head + area("-512", "512")), "changedArea 0 start is negative"},
      {"overflow", response("<startOffset>9223372036854775808</startOffset><length>1</length>"),
       "startOffset overflows xsd:long"},
      {"element in number", response("<startOffset><x>1</x></startOffset><length>1</length>"),
       "holds an element"},
      {"unknown member", response(ok_head + "<changedAreas/>"), "unexpected element <changedAreas>"},
      {"unknown area member", response(ok_head + "<changedArea><start>0</start><length>1</length><end>1</end></changedArea>"),
       "unexpected element <end> in changedArea 0"},
  };
  for (const Malformed& m : cases) {
    try {
      parse_changed_disk_areas_reply(m.xml);
      ADD_FAILURE() << m.name << ": accepted";
    } catch (const ChangedAreasReplyError& e) {
      EXPECT_NE(std::string(e.what()).find(m.problem), std::string::npos)
          << m.name << ": " << e.what();
    }
  }
}

// --- pager ---------------------------------------------------------------------------------

constexpr uint64_t kCapacity = 10 * kGiB;

FakeQuery three_pages() {
  FakeQuery q;
  q.replies[0] = reply(0, 4 * kGiB, {{0, 65536}, {1 * kGiB, 1 << 20}, {4 * kGiB - 65536, 65536}});
  // Continues the last area of page 0 across the page boundary: merged in the result.
  q.replies[int64_t(4 * kGiB)] = reply(4 * kGiB, 4 * kGiB, {{4 * kGiB, 65536}, {6 * kGiB, 4096}});
  q.replies[int64_t(8 * kGiB)] = reply(8 * kGiB, 2 * kGiB, {{10 * kGiB - 512, 512}});
  return q;
}

TEST(ChangedAreasPager, WalksEveryPageToTheCapacity) {
  FakeQuery q = three_pages();
  const ExtentSet got = changed_areas(q, "snapshot-42", 2000, kCapacity, "52 de c0 d9/12");
  const std::vector<Extent> want = {
      {0, 65536}, {1 * kGiB, 1 << 20}, {4 * kGiB - 65536, 131072}, {6 * kGiB, 4096},
      {10 * kGiB - 512, 512}};
  EXPECT_EQ(got.extents(), want);
  ASSERT_EQ(q.calls.size(), 3u);
  EXPECT_EQ(q.calls[0].offset, 0);
  EXPECT_EQ(q.calls[1].offset, int64_t(4 * kGiB));
  EXPECT_EQ(q.calls[2].offset, int64_t(8 * kGiB));
  for (const auto& c : q.calls) {
    EXPECT_EQ(c.snapshot, "snapshot-42");
    EXPECT_EQ(c.device_key, 2000);
    EXPECT_EQ(c.change_id, "52 de c0 d9/12");
  }
}

TEST(ChangedAreasPager, StarAsksForEverythingAllocated) {
  FakeQuery q;
  q.replies[0] = reply(0, kCapacity, {{0, kGiB}, {5 * kGiB, kGiB}});
  const ExtentSet got = changed_areas(q, "snapshot-1", 2001, kCapacity, kAllAllocated);
  EXPECT_EQ(got.total_bytes(), 2 * kGiB);
  ASSERT_EQ(q.calls.size(), 1u);
  EXPECT_EQ(q.calls[0].change_id, "*");
}

TEST(ChangedAreasPager, ManyPagesOfTwoThousandAreas) {
  // Like ESXi: about 2000 areas per reply, window ending just after the last area.
  FakeQuery q;
  const uint64_t capacity = 40 * kGiB;
  uint64_t offset = 0;
  uint64_t want_bytes = 0;
  int pages = 0;
  while (offset < capacity) {
    std::vector<Extent> areas;
    uint64_t pos = offset;
    for (int i = 0; i < 2000 && pos + 2 * 65536 <= capacity; ++i) {
      areas.push_back({pos + 65536, 65536});
      pos += 5 * 65536 + uint64_t(i % 7) * 4096;
    }
    // The tail too short for another area still needs a (empty) page to reach the capacity.
    const uint64_t end = areas.empty() ? capacity : std::min(capacity, pos);
    areas.erase(std::remove_if(areas.begin(), areas.end(),
                               [&](const Extent& a) { return a.end() > end; }),
                areas.end());
    for (const Extent& a : areas) want_bytes += a.length;
    q.replies[int64_t(offset)] = reply(offset, end - offset, areas);
    offset = end;
    ++pages;
  }
  const ExtentSet got = changed_areas(q, "snapshot-7", 2000, capacity, "52 aa/3");
  EXPECT_EQ(q.calls.size(), size_t(pages));
  EXPECT_GT(pages, 5);
  EXPECT_EQ(got.total_bytes(), want_bytes);
}

TEST(ChangedAreasPager, ZeroCapacityAsksNothing) {
  FakeQuery q;
  EXPECT_TRUE(changed_areas(q, "s", 1, 0, "*").empty());
  EXPECT_TRUE(q.calls.empty());
}

struct BadPage {
  const char* name;
  std::string reply;  // answer to the second page (asked at 4 GiB)
  const char* problem;
};

TEST(ChangedAreasPager, EveryInvalidReplyStopsWithThePageNamed) {
  const uint64_t p = 4 * kGiB;  // asked offset of the faulty page
  const std::vector<BadPage> cases = {
      {"wrong start", reply(p + 512, kGiB, {}), "startOffset 4294967808 instead of the asked"},
      {"earlier start", reply(0, 8 * kGiB, {}), "startOffset 0 instead of the asked"},
      {"no progress", reply(p, 0, {}), "length 0"},
      {"past capacity", reply(p, 7 * kGiB, {}), "passes the disk capacity"},
      {"area before window", reply(p, kGiB, {{p - 512, 1024}}), "outside the reply window"},
      {"area after window", reply(p, kGiB, {{p + 2 * kGiB, 512}}), "outside the reply window"},
      {"area straddles end", reply(p, kGiB, {{p + kGiB - 512, 1024}}), "outside the reply window"},
      {"area huge", reply(p, kGiB, {{p, uint64_t(INT64_MAX)}}), "outside the reply window"},
      {"empty area", reply(p, kGiB, {{p, 0}}), "changedArea 0 [start 4294967296, length 0] is empty"},
      {"overlap", reply(p, kGiB, {{p, 1024}, {p + 512, 1024}}), "changedArea 1"},
      {"unsorted", reply(p, kGiB, {{p + 4096, 512}, {p, 512}}), "overlaps or precedes"},
      {"malformed", response("<startOffset>4294967296</startOffset><length>x</length>"),
       "length is not a number"},
      {"not xml", "<html>proxy error", "not well-formed XML"},
  };
  for (const BadPage& b : cases) {
    FakeQuery q = three_pages();
    q.replies[int64_t(p)] = b.reply;
    try {
      changed_areas(q, "snapshot-42", 2000, kCapacity, "52 de/12");
      ADD_FAILURE() << b.name << ": accepted";
    } catch (const ChangedAreasError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("page at offset 4294967296"), std::string::npos) << b.name << ": " << what;
      EXPECT_NE(what.find(b.problem), std::string::npos) << b.name << ": " << what;
    }
    EXPECT_EQ(q.calls.size(), 2u) << b.name << ": stopped at the faulty page";
  }
}

TEST(ChangedAreasPager, FaultNamesThePageAndKeepsItsType) {
  FakeQuery q = three_pages();
  q.replies[int64_t(8 * kGiB)] = kFileFault;
  try {
    changed_areas(q, "snapshot-42", 2000, kCapacity, "52 de/12");
    FAIL() << "accepted";
  } catch (const SoapFault& f) {
    EXPECT_EQ(f.fault_type(), "FileFault");
    EXPECT_NE(std::string(f.what()).find("page at offset 8589934592"), std::string::npos)
        << f.what();
  }
}

TEST(ChangedAreasPager, QueryErrorsPassThrough) {
  FakeQuery q;  // no replies: the fake throws std::logic_error
  EXPECT_THROW(changed_areas(q, "s", 1, kCapacity, "*"), std::logic_error);
}

TEST(ChangedAreasPager, RejectsBadArguments) {
  FakeQuery q;
  EXPECT_THROW(changed_areas(q, "s", 1, uint64_t(INT64_MAX) + 1, "*"), ChangedAreasError);
  EXPECT_THROW(changed_areas(q, "s", 1, kCapacity, ""), ChangedAreasError);
  EXPECT_TRUE(q.calls.empty());
}

}  // namespace
}  // namespace mm::cbt
