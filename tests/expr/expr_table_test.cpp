// The expression table: expression, record, expected result (as JSON) or expected error substring.
// Cases follow expr-lang's documentation (docs/language-definition.md) and semantics; where expr
// 1.8 (Debian's golang-github-antonmedv-expr-dev) and current expr-lang differ, current wins.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "orchestrator/expr/program.h"
#include "tests/expr/records.h"

namespace mm::expr {
namespace {

enum class Rec { kWin, kTwoDisks, kNulls, kEmpty };
enum class Mode { kLoose, kStrict, kInclude };

struct Case {
  const char* expr;
  Rec rec;
  const char* want;   // JSON of the expected value; null when an error is expected
  const char* error;  // substring of the expected error message
  Mode mode = Mode::kLoose;
};

nlohmann::json record(Rec r) {
  using testing::win2016;
  switch (r) {
    case Rec::kWin:
      return win2016();
    case Rec::kTwoDisks: {
      auto j = win2016();
      j["disks"].push_back({{"name", "[datastore-01] Win2016/Win2016_1.vmdk"},
                            {"capacity", 161061273600LL},
                            {"shared", true},
                            {"supported", false}});
      j["nics"].push_back({{"hardware_address", "00:50:56:aa:bb:02"},
                           {"network", "Backup"},
                           {"ipv4_address", nlohmann::json::array()},
                           {"ipv6_address", nlohmann::json::array()}});
      j["snapshots"] = {"before-upgrade", "nightly"};
      return j;
    }
    case Rec::kNulls: {
      auto j = win2016();
      j["snapshots"] = nullptr;
      j["description"] = nullptr;
      j["config"] = nlohmann::json::object();
      j["os_version"] = "";
      return j;
    }
    case Rec::kEmpty:
      return nlohmann::json::object();
  }
  return nullptr;
}

constexpr Rec W = Rec::kWin;
constexpr Rec D = Rec::kTwoDisks;
constexpr Rec N = Rec::kNulls;
constexpr Rec E = Rec::kEmpty;
constexpr Mode S = Mode::kStrict;
constexpr Mode I = Mode::kInclude;

const std::vector<Case> kCases = {
    // --- Literals (language-definition.md "Literals").
    {"true", E, "true", nullptr},
    {"false", E, "false", nullptr},
    {"nil", E, "null", nullptr},
    {"42", E, "42", nullptr},
    {"0x2A", E, "42", nullptr},
    {"0o52", E, "42", nullptr},
    {"0b101010", E, "42", nullptr},
    {"1_000_000", E, "1000000", nullptr},
    {"0.5", E, "0.5", nullptr},
    {".5", E, "0.5", nullptr},
    {"1e3", E, "1000.0", nullptr},
    {"2.5e-1", E, "0.25", nullptr},
    {"\"foo\"", E, "\"foo\"", nullptr},
    {"'bar'", E, "\"bar\"", nullptr},
    {R"("Hello\nWorld")", E, "\"Hello\\nWorld\"", nullptr},
    {R"('it\'s')", E, "\"it's\"", nullptr},
    {R"("tab\there")", E, "\"tab\\there\"", nullptr},
    {R"("\u00e9")", E, "\"\xC3\xA9\"", nullptr},
    {R"("\x41\101")", E, "\"AA\"", nullptr},
    {"`raw\\n`", E, "\"raw\\\\n\"", nullptr},
    {"[1, 2, 3]", E, "[1,2,3]", nullptr},
    {"[]", E, "[]", nullptr},
    {"[1, 'a', true, nil]", E, "[1,\"a\",true,null]", nullptr},
    {"[1, 2,]", E, "[1,2]", nullptr},
    {"{a: 1, b: 2, c: 3}", E, R"({"a":1,"b":2,"c":3})", nullptr},
    {"{'a b': 1}['a b']", E, "1", nullptr},
    {"{(\"k\" + \"ey\"): 1}.key", E, "1", nullptr},
    {"{}", E, "{}", nullptr},
    {"/* comment */ 1 // trailing", E, "1", nullptr},
    {"1 +\n 2", E, "3", nullptr},

    // --- Arithmetic: '/' is float division, '%' int only, '**' and '^' float.
    {"1 + 2 * 3", E, "7", nullptr},
    {"(1 + 2) * 3", E, "9", nullptr},
    {"10 - 2 - 3", E, "5", nullptr},
    {"7 / 2", E, "3.5", nullptr},
    {"6 / 3", E, "2.0", nullptr},
    {"7 % 3", E, "1", nullptr},
    {"-7 % 3", E, "-1", nullptr},
    {"2 ** 10", E, "1024.0", nullptr},
    {"2 ^ 3", E, "8.0", nullptr},
    {"2 ** 3 ** 2", E, "512.0", nullptr},
    {"-2 ** 2", E, "-4.0", nullptr},
    {"1.5 + 1", E, "2.5", nullptr},
    {"1 + 1.5", E, "2.5", nullptr},
    {"0.1 * 3", E, "0.30000000000000004", nullptr},
    {"-cpus", W, "-2", nullptr},
    {"+cpus", W, "2", nullptr},
    {"- -3", E, "3", nullptr},
    {"9223372036854775807 + 1", E, "-9223372036854775808", nullptr},
    {"-9223372036854775807 - 1", E, "-9223372036854775808", nullptr},
    {"(-9223372036854775807 - 1) % -1", E, "0", nullptr},
    {"cpus * 2 + 1", W, "5", nullptr},
    {"memory / 1024 / 1024 / 1024", W, "4.0", nullptr},
    {"memory >= 4 * 1024 * 1024 * 1024", W, "true", nullptr},
    {"'Win' + '2016'", E, "\"Win2016\"", nullptr},
    {"name + '-' + source", W, "\"Win2016-esxi01\"", nullptr},
    {"1 % 0", E, nullptr, "integer divide by zero"},
    {"1.5 % 1", E, nullptr, "operator % not defined on float"},
    {"cpus + name", W, nullptr, "invalid operation: cpus + name (mismatched types int and string)"},
    {"name - 1", W, nullptr, "invalid operation: name - 1 (mismatched types string and int)"},
    {"true + true", E, nullptr, "operator + not defined on bool"},
    {"nil + 1", E, nullptr, "mismatched types nil and int"},
    {"-name", W, nullptr, "operator - not defined on string"},
    {"[1] + [2]", E, nullptr, "operator + not defined on array"},

    // --- Comparison.
    {"1 == 1", E, "true", nullptr},
    {"1 == 1.0", E, "true", nullptr},
    {"1 != 2", E, "true", nullptr},
    {"'a' == 'a'", E, "true", nullptr},
    {"'1' == 1", E, "false", nullptr},
    {"nil == nil", E, "true", nullptr},
    {"nil != 0", E, "true", nullptr},
    {"[1, 2] == [1, 2]", E, "true", nullptr},
    {"[1, 2] == [2, 1]", E, "false", nullptr},
    {"{a: 1} == {a: 1}", E, "true", nullptr},
    {"1 < 2.5", E, "true", nullptr},
    {"2 <= 2", E, "true", nullptr},
    {"3 > 2", E, "true", nullptr},
    {"2 >= 3", E, "false", nullptr},
    {"'abc' < 'abd'", E, "true", nullptr},
    {"'B' < 'a'", E, "true", nullptr},
    {"cpus > 1 && cpus < 4", W, "true", nullptr},
    {"cpus == 2.0", W, "true", nullptr},
    {"1 < 2 < 3", E, "true", nullptr},
    {"1 < 3 < 2", E, "false", nullptr},
    {"3 > 2 > 1", E, "true", nullptr},
    {"1 <= cpus && cpus <= 4", W, "true", nullptr},
    {"1 <= cpus <= 4", W, "true", nullptr},
    {"0 < cpus < 2", W, "false", nullptr},
    {"1 == 1 == true", E, "false", nullptr},
    {"1 < 'a'", E, nullptr, "invalid operation: 1 < 'a' (mismatched types int and string)"},
    {"name > 1", W, nullptr, "mismatched types string and int"},
    {"nil < 1", E, nullptr, "mismatched types nil and int"},
    {"true < false", E, nullptr, "operator < not defined on bool"},

    // --- Logic: short-circuit, word and symbol forms, precedence of not.
    {"true and false", E, "false", nullptr},
    {"true && true", E, "true", nullptr},
    {"false or true", E, "true", nullptr},
    {"false || false", E, "false", nullptr},
    {"not true", E, "false", nullptr},
    {"!false", E, "true", nullptr},
    {"not not true", E, "true", nullptr},
    {"!!true", E, "true", nullptr},
    {"not true == false", E, "true", nullptr},
    {"true or false and false", E, "true", nullptr},
    {"(true or false) and false", E, "false", nullptr},
    {"false and 1 / 0 > 1", E, "false", nullptr},
    {"false and name", W, "false", nullptr},
    {"true or 1 % 0 == 0", E, "true", nullptr},
    {"false or 1 % 0 == 0", E, nullptr, "integer divide by zero"},
    {"running and not tpm", W, "true", nullptr},
    {"name and true", W, nullptr, "operator and not defined on name (type string)"},
    {"true and cpus", W, nullptr, "operator and not defined on cpus (type int)"},
    {"not cpus", W, nullptr, "operator not not defined on int"},
    {"!name", W, nullptr, "operator ! not defined on string"},

    // --- Membership: fields, maps, arrays, negative indexes, optional chaining, nil coalescing.
    {"name", W, "\"Win2016\"", nullptr},
    {"config.key", W, "\"value\"", nullptr},
    {"config['key']", W, "\"value\"", nullptr},
    {"config[\"guestinfo.hostname\"]", W, "\"win2016\"", nullptr},
    {"config['missing']", W, "null", nullptr},
    {"config.missing", W, "null", nullptr},
    {"disks[0].capacity", W, "53687091200", nullptr},
    {"disks[-1].name", D, "\"[datastore-01] Win2016/Win2016_1.vmdk\"", nullptr},
    {"disks[1]['shared']", D, "true", nullptr},
    {"disks[1.0].shared", D, "true", nullptr},
    {"nics[0].ipv4_address[0]", W, "\"10.10.0.21\"", nullptr},
    {"nics[1].ipv4_address", D, "[]", nullptr},
    {"[1, 2, 3][-1]", E, "3", nullptr},
    {"'abc'[1]", E, "\"b\"", nullptr},
    {"'héllo'[1]", E, "\"\xC3\xA9\"", nullptr},
    {"{a: {b: 2}}.a.b", E, "2", nullptr},
    {"disks[1].name", W, nullptr, "index out of range: 1 (array length is 1)"},
    {"disks[-2]", W, nullptr, "index out of range: -2"},
    {"disks['a']", W, nullptr, "invalid index 'a' (type string)"},
    {"config.missing.x", W, nullptr, "cannot fetch x from config.missing (type nil)"},
    {"name.first", W, nullptr, "cannot fetch first from name (type string)"},
    {"cpus[0]", W, nullptr, "cannot fetch 0 from cpus (type int)"},
    {"config[1]", W, nullptr, "cannot use 1 (type int) as key of map config"},
    {"config.missing?.x", W, "null", nullptr},
    {"config?.missing?.x.y.z", W, "null", nullptr},
    {"config?.key", W, "\"value\"", nullptr},
    {"snapshots?.[0]", N, "null", nullptr},
    {"snapshots?.[0]", D, "\"before-upgrade\"", nullptr},
    {"nil?.a", E, "null", nullptr},
    {"config.missing ?? 'default'", W, "\"default\"", nullptr},
    {"config.key ?? 'default'", W, "\"value\"", nullptr},
    {"description ?? 'none'", N, "\"none\"", nullptr},
    {"nil ?? nil ?? 3", E, "3", nullptr},
    {"config.missing?.x ?? 'deep'", W, "\"deep\"", nullptr},
    {"false ?? true", E, "false", nullptr},
    {"(nil ?? 1) + 1", E, "2", nullptr},
    {"1 + (nil ?? 1)", E, "2", nullptr},
    {"nil ?? 1 + 1", E, nullptr,
     "line 1, column 10: operator + and the nil-coalescing operator ?? cannot be mixed"},
    {"undefined_field", E, "null", nullptr},

    // --- in / not in.
    {"'John' in ['John', 'Jane']", E, "true", nullptr},
    {"'name' in {'name': 'John', 'age': 30}", E, "true", nullptr},
    {"2 in [1, 2, 3]", E, "true", nullptr},
    {"2.0 in [1, 2, 3]", E, "true", nullptr},
    {"4 in [1, 2, 3]", E, "false", nullptr},
    {"4 not in [1, 2, 3]", E, "true", nullptr},
    {"'key' in config", W, "true", nullptr},
    {"'nope' not in config", W, "true", nullptr},
    {"'before-upgrade' in snapshots", D, "true", nullptr},
    {"'x' in snapshots", N, "false", nullptr},
    {"[1] in [[1], [2]]", E, "true", nullptr},
    {"source in ['esxi01', 'vcenter01']", W, "true", nullptr},
    {"1 in config", W, nullptr, "cannot use int as key of map"},
    {"'a' in 'abc'", E, nullptr, "operator in not defined on string"},
    {"not ('a' in ['a'])", E, "false", nullptr},

    // --- String operators.
    {"name matches '^Win'", W, "true", nullptr},
    {"name matches 'win'", W, "false", nullptr},
    {"name matches '(?i)win'", W, "true", nullptr},
    {"location matches '/vm/'", W, "true", nullptr},
    {"name not matches '^Lin'", W, "true", nullptr},
    {"os_version matches '^Windows Server (2016|2019)'", W, "true", nullptr},
    {"uuid matches '^[0-9a-f]{8}-'", W, "true", nullptr},
    {"name matches ('^' + 'Win')", W, "true", nullptr},
    {"'a.b' matches 'a\\\\.b'", E, "true", nullptr},
    {"name matches '('", W, nullptr, "invalid regular expression: missing ): ("},
    {"name matches ('(' + '')", W, nullptr, "invalid regular expression"},
    {"cpus matches '2'", W, nullptr, "mismatched types int and string"},
    {"'hello' contains 'ell'", E, "true", nullptr},
    {"'hello' not contains 'xyz'", E, "true", nullptr},
    {"'hello' startsWith 'he'", E, "true", nullptr},
    {"'hello' not startsWith 'he'", E, "false", nullptr},
    {"'hello' endsWith 'lo'", E, "true", nullptr},
    {"'hello' not endsWith 'lo'", E, "false", nullptr},
    {"os_version startsWith 'Windows'", W, "true", nullptr},
    {"cpus contains 2", W, nullptr, "operator contains not defined on int"},

    // --- Ternary, elvis.
    {"true ? 1 : 2", E, "1", nullptr},
    {"false ? 1 : 2", E, "2", nullptr},
    {"cpus > 4 ? 'big' : 'small'", W, "\"small\"", nullptr},
    {"false ? 1 : true ? 2 : 3", E, "2", nullptr},
    {"true ? false ? 1 : 2 : 3", E, "2", nullptr},
    {"nil ?: 'x'", E, "\"x\"", nullptr},
    {"'y' ?: 'x'", E, "\"y\"", nullptr},
    {"cpus ? 1 : 2", W, nullptr, "non-bool cpus (type int) used as condition"},
    {"false ? 1 % 0 : 2", E, "2", nullptr},

    // --- Ranges and slices.
    {"1..3", E, "[1,2,3]", nullptr},
    {"1..3 == [1, 2, 3]", E, "true", nullptr},
    {"3..1", E, "[]", nullptr},
    {"-1..1", E, "[-1,0,1]", nullptr},
    {"len(1..100)", E, "100", nullptr},
    {"1..1.5", E, nullptr, "mismatched types int and float"},
    {"1..1000000000", E, nullptr, "is too large"},
    {"[1, 2, 3, 4, 5][1:4]", E, "[2,3,4]", nullptr},
    {"[1, 2, 3, 4, 5][1:-1]", E, "[2,3,4]", nullptr},
    {"[1, 2, 3, 4, 5][:3]", E, "[1,2,3]", nullptr},
    {"[1, 2, 3, 4, 5][3:]", E, "[4,5]", nullptr},
    {"[1, 2, 3, 4, 5][:]", E, "[1,2,3,4,5]", nullptr},
    {"[1, 2, 3][5:10]", E, "[]", nullptr},
    {"[1, 2, 3][2:1]", E, "[]", nullptr},
    {"'hello'[1:3]", E, "\"el\"", nullptr},
    {"name[:3]", W, "\"Win\"", nullptr},
    {"disks[0:1][0].capacity", D, "53687091200", nullptr},
    {"cpus[1:2]", W, nullptr, "cannot slice cpus (type int)"},

    // --- Builtins: strings.
    {"len('Hello')", E, "5", nullptr},
    {"len('héllo')", E, "5", nullptr},
    {"len([1, 2, 3])", E, "3", nullptr},
    {"len({'name': 'John', 'age': 30})", E, "2", nullptr},
    {"len(disks)", D, "2", nullptr},
    {"len(config)", W, "3", nullptr},
    {"len(cpus)", W, nullptr, "invalid argument for len: cpus (type int)"},
    {"len(snapshots)", N, nullptr, "invalid argument for len: snapshots (type nil)"},
    {"len()", E, nullptr, "wrong number of arguments to len: expected 1, got 0"},
    {"len(1, 2)", E, nullptr, "wrong number of arguments to len: expected 1, got 2"},
    {"trim('  Hello  ') == 'Hello'", E, "true", nullptr},
    {"trim('__Hello__', '_')", E, "\"Hello\"", nullptr},
    {"trimPrefix('HelloWorld', 'Hello')", E, "\"World\"", nullptr},
    {"trimPrefix(' x')", E, "\"x\"", nullptr},
    {"trimSuffix('HelloWorld', 'World')", E, "\"Hello\"", nullptr},
    {"upper('hello')", E, "\"HELLO\"", nullptr},
    {"lower('HELLO')", E, "\"hello\"", nullptr},
    {"lower(name) == 'win2016'", W, "true", nullptr},
    {"split('apple,orange,grape', ',')", E, R"(["apple","orange","grape"])", nullptr},
    {"split('apple,orange,grape', ',', 2)", E, R"(["apple","orange,grape"])", nullptr},
    {"split('abc', '')", E, R"(["a","b","c"])", nullptr},
    {"split('', ',')", E, R"([""])", nullptr},
    {"split(location, '/')[-1]", W, "\"Win2016\"", nullptr},
    {"replace('Hello World', 'World', 'Universe')", E, "\"Hello Universe\"", nullptr},
    {"replace('aaa', 'a', 'b', 2)", E, "\"bba\"", nullptr},
    {"replace('ab', '', '-')", E, "\"-a-b-\"", nullptr},
    {"repeat('Hi', 3)", E, "\"HiHiHi\"", nullptr},
    {"repeat('Hi', -1)", E, nullptr, "invalid argument for repeat"},
    {"repeat('Hi', 2000000)", E, nullptr, "memory budget exceeded"},
    {"indexOf('apple pie', 'pie')", E, "6", nullptr},
    {"indexOf('apple', 'z')", E, "-1", nullptr},
    {"lastIndexOf('apple pie apple', 'apple')", E, "10", nullptr},
    {"hasPrefix('HelloWorld', 'Hello')", E, "true", nullptr},
    {"hasSuffix('HelloWorld', 'World')", E, "true", nullptr},
    {"hasPrefix(location, '/vc01/')", W, "false", nullptr},
    {"upper(cpus)", W, nullptr, "invalid argument for upper: cpus (type int)"},
    {"join(['apple', 'orange', 'grape'], ',')", E, "\"apple,orange,grape\"", nullptr},
    {"join(['apple', 'orange', 'grape'])", E, "\"appleorangegrape\"", nullptr},
    {"join(snapshots, ', ')", D, "\"before-upgrade, nightly\"", nullptr},
    {"join([1, 2])", E, nullptr, "join: element 0 is int, not string"},

    // --- Builtins: numbers and conversions.
    {"abs(-5)", E, "5", nullptr},
    {"abs(-1.5)", E, "1.5", nullptr},
    {"abs('x')", E, nullptr, "invalid argument for abs"},
    {"max(5, 7)", E, "7", nullptr},
    {"min(5, 7)", E, "5", nullptr},
    {"max(1, 2.5, 2)", E, "2.5", nullptr},
    {"min([3, 1, 2])", E, "1", nullptr},
    {"max(map(disks, .capacity))", D, "161061273600", nullptr},
    {"max([])", E, nullptr, "not enough arguments to call max"},
    {"max('a', 'b')", E, nullptr, "invalid argument for max"},
    {"int('123') == 123", E, "true", nullptr},
    {"int(3.9)", E, "3", nullptr},
    {"int(-3.9)", E, "-3", nullptr},
    {"int('x')", E, nullptr, "strconv.Atoi: parsing \"x\": invalid syntax"},
    {"int(config['numa.nodes']) + 1", W, "2", nullptr},
    {"int(1e300)", E, nullptr, "out of the int range"},
    {"float('123.45') == 123.45", E, "true", nullptr},
    {"float(2)", E, "2.0", nullptr},
    {"float('abc')", E, nullptr, "strconv.ParseFloat: parsing \"abc\": invalid syntax"},
    {"string(123) == '123'", E, "true", nullptr},
    {"string(1.5)", E, "\"1.5\"", nullptr},
    {"string(1000000.0)", E, "\"1e+06\"", nullptr},
    {"string(123456.0)", E, "\"123456\"", nullptr},
    {"string(0.00001)", E, "\"1e-05\"", nullptr},
    {"string(true)", E, "\"true\"", nullptr},
    {"string(nil)", E, "\"<nil>\"", nullptr},
    {"string([1, 'a', 2.5])", E, "\"[1 a 2.5]\"", nullptr},
    {"string({b: 1, a: nil})", E, "\"map[a:<nil> b:1]\"", nullptr},
    {"type(42) == 'int'", E, "true", nullptr},
    {"type('hello')", E, "\"string\"", nullptr},
    {"type(1.5)", E, "\"float\"", nullptr},
    {"type(nil)", E, "\"nil\"", nullptr},
    {"type(disks)", W, "\"array\"", nullptr},
    {"type(config)", W, "\"map\"", nullptr},
    {"type(running)", W, "\"bool\"", nullptr},
    {"toJSON([1, 'a'])", E, "\"[\\n  1,\\n  \\\"a\\\"\\n]\"", nullptr},
    {"toJSON({a: 1.0, b: '<x>'})", E,
     "\"{\\n  \\\"a\\\": 1,\\n  \\\"b\\\": \\\"\\\\u003cx\\\\u003e\\\"\\n}\"", nullptr},
    {"toJSON(nil)", E, "\"null\"", nullptr},

    // --- Builtins: arrays and maps.
    {"first([1, 2, 3])", E, "1", nullptr},
    {"last([1, 2, 3])", E, "3", nullptr},
    {"first([])", E, "null", nullptr},
    {"first(disks).name", W, "\"[datastore-01] Win2016/Win2016.vmdk\"", nullptr},
    {"first(cpus)", W, nullptr, "invalid argument for first"},
    {"keys({'name': 'John', 'age': 30})", E, R"(["age","name"])", nullptr},
    {"values({'name': 'John', 'age': 30})", E, R"([30,"John"])", nullptr},
    {"keys(config)", W, R"(["guestinfo.hostname","key","numa.nodes"])", nullptr},
    {"'key' in keys(config)", W, "true", nullptr},
    {"keys(disks)", W, nullptr, "invalid argument for keys"},

    // --- Predicates: braces (expr 1.x) and bare (expr-lang), '#', '.field', '#index'.
    {"all(disks, {.capacity > 0})", W, "true", nullptr},
    {"all(disks, .capacity > 0)", W, "true", nullptr},
    {"all([], {# > 0})", E, "true", nullptr},
    {"any(disks, {.shared})", D, "true", nullptr},
    {"any(disks, .shared)", W, "false", nullptr},
    {"any([], # > 0)", E, "false", nullptr},
    {"any([1, 2, 3], # > 2)", E, "true", nullptr},
    {"none(disks, .shared)", W, "true", nullptr},
    {"none(disks, {.shared})", D, "false", nullptr},
    {"one(disks, .shared)", D, "true", nullptr},
    {"one([1, 2, 3], # > 1)", E, "false", nullptr},
    {"one([], true)", E, "false", nullptr},
    {"filter(0..9, {# % 2 == 0})", E, "[0,2,4,6,8]", nullptr},
    {"filter(disks, .capacity > 100 * 1024 * 1024 * 1024)[0].shared", D, "true", nullptr},
    {"map(disks, {.capacity / 1024 / 1024 / 1024})", D, "[50.0,150.0]", nullptr},
    {"map([1, 2, 3], # * 2)", E, "[2,4,6]", nullptr},
    {"map(['a', 'b'], #index)", E, "[0,1]", nullptr},
    {"map(nics, .network)", D, R"(["VMWARE","Backup"])", nullptr},
    {"count(disks, .supported)", D, "1", nullptr},
    {"count(1..10, # > 3)", E, "7", nullptr},
    {"count([true, false, true])", E, "2", nullptr},
    {"len(filter(disks, .shared)) == count(disks, .shared)", D, "true", nullptr},
    {"all(nics, len(.ipv4_address) > 0)", D, "false", nullptr},
    {"any(nics, any(.ipv4_address, # startsWith '10.'))", D, "true", nullptr},
    {"any(nics, {.network == 'VMWARE'}) and len(disks) == 1", W, "true", nullptr},
    {"all([[1, 2], [3]], all(#, # > 0))", E, "true", nullptr},
    {"map([[1, 2], [3]], len(#))", E, "[2,1]", nullptr},
    {"filter(disks, .name contains 'Win2016_1') == [disks[1]]", D, "true", nullptr},
    {"any(disks, name == 'Win2016')", W, "true", nullptr},
    {"all(disks, .capacity)", W, nullptr, "predicate of all must return a bool, got int"},
    {"all(cpus, # > 0)", W, nullptr, "invalid argument for all: cpus (type int)"},
    {"filter(config, true)", W, nullptr, "invalid argument for filter: config (type map)"},
    {"all(disks)", W, nullptr, "wrong number of arguments to all: expected 2, got 1"},
    {"any(snapshots, # == 'x')", N, nullptr, "invalid argument for any: snapshots (type nil)"},
    {"map(1..3, #acc)", E, nullptr, "unknown pointer '#acc'"},

    // --- Compile errors: line, column and what was expected.
    {"(location matches '/Incus migrations/' and source == 'vcenter01'", W, nullptr,
     "line 1, column 65: expected ')' but found end of input (the '(' at line 1, column 1 is not "
     "closed)"},
    {"1 +", E, nullptr, "line 1, column 4: expected an expression but found end of input"},
    {"(1 + 2", E, nullptr, "line 1, column 7: expected ')' but found end of input"},
    {"1 + 2)", E, nullptr, "line 1, column 6: unexpected ')' without a matching opening bracket"},
    {"[1, 2", E, nullptr, "line 1, column 6: expected ']' but found end of input"},
    {"{a: 1", E, nullptr, "expected '}' but found end of input"},
    {"{a 1}", E, nullptr, "line 1, column 4: expected ':' but found number 1"},
    {"len(disks", W, nullptr, "line 1, column 10: expected ')' but found end of input"},
    {"name ==", W, nullptr, "line 1, column 8: expected an expression"},
    {"name = 'x'", W, nullptr, "line 1, column 6: unexpected '=': use '==' to compare"},
    {"name == 'x' &", W, nullptr, "unexpected '&': use '&&' or 'and'"},
    {"cpus | 1", W, nullptr, "the pipe operator '|' is not supported"},
    {"'abc", E, nullptr, "line 1, column 1: unterminated string literal"},
    {"\"a\\qb\"", E, nullptr, "line 1, column 3: invalid escape sequence '\\q'"},
    {"1 2", E, nullptr, "line 1, column 3: unexpected number 2: expected an operator"},
    {"name source", W, nullptr, "unexpected 'source': expected an operator or end of input"},
    {"true ? 1", E, nullptr, "line 1, column 9: expected ':' but found end of input"},
    {"name not 'x'", W, nullptr,
     "expected 'in', 'matches', 'contains', 'startsWith' or 'endsWith'"},
    {"1 +\n  * 2", E, nullptr, "line 2, column 3: expected an expression but found '*'"},
    {"#", E, nullptr, "cannot use pointer accessor '#' outside a predicate"},
    {".capacity > 0", E, nullptr, "cannot use pointer accessor '.' outside a predicate"},
    {"foo(1)", E, nullptr, "line 1, column 1: unknown function 'foo'"},
    {"name.lower()", W, nullptr, "method calls are not supported"},
    {"disks.", W, nullptr, "expected a field name after '.' but found end of input"},
    {"9223372036854775808", E, nullptr, "invalid integer literal: value out of range"},
    {"0x", E, nullptr, "no digits after base prefix"},
    {"1abc", E, nullptr, "invalid number literal"},
    {"@", E, nullptr, "line 1, column 1: unexpected character '@'"},
    {"/* open", E, nullptr, "unterminated comment"},
    {"and", E, nullptr, "expected an expression but found operator 'and'"},
    {"all(disks, {.capacity > 0)", W, nullptr, "expected '}' but found ')'"},

    // --- Strict names (include expressions): typos never silently match nothing.
    {"locaton matches 'x'", W, nullptr,
     "line 1, column 1: unknown name 'locaton' (did you mean 'location'?)", S},
    {"name == 'x' or sorce == 'esxi01'", W, nullptr,
     "line 1, column 16: unknown name 'sorce' (did you mean 'source'?)", S},
    {"completely_unrelated", W, nullptr, "unknown name 'completely_unrelated'", S},
    {"all(disks, .capacity > 0 and cpu > 1)", W, nullptr, "unknown name 'cpu'", S},
    {"config.anything == nil", W, "true", nullptr, S},
    {"all(disks, .whatever == nil)", W, "true", nullptr, S},
    {"len(name) > 0 and uuid != '' and architecture == 'x86_64'", W, "true", nullptr, S},
    {"os_type == 'windows' && distribution_version == '2016'", W, "true", nullptr, S},
    {"secure_boot or legacy_boot or tpm", W, "false", nullptr, S},
    {"source_type == 'vmware' and os == 'windows'", W, "true", nullptr, S},
    {"description == ''", W, "true", nullptr, S},

    // --- Include expressions must be booleans.
    {"name", W, nullptr, "include expression must evaluate to a boolean, got string", I},
    {"cpus", W, nullptr, "include expression must evaluate to a boolean, got int", I},
    {"config.missing", W, nullptr, "include expression must evaluate to a boolean, got nil", I},
    {"background_import", W, "true", nullptr, I},
    {"background_import == false", W, "false", nullptr, I},
    {"source == 'esxi01'", W, "true", nullptr, I},
    {"location matches '/Incus migrations/' and source == 'vcenter01'", W, "false", nullptr, I},
    {"(location matches 'Win2016' or location matches 'CentOS') and len(disks) == 1", W, "true",
     nullptr, I},
    {"(location matches 'Win2016' or location matches 'CentOS') and len(disks) == 1", D, "false",
     nullptr, I},
};

std::string label(const Case& c) {
  return std::string("expression: ") + c.expr +
         "\nrecord: " + std::to_string(static_cast<int>(c.rec));
}

// Ints and floats are distinct results (7 / 2 is 3.5, 6 / 3 is 2.0), so compare kinds too.
bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) return a.is_number_float() == b.is_number_float() && a == b;
  if (a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_json(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !same_json(it.value(), b[it.key()])) return false;
    return true;
  }
  return a == b;
}

TEST(ExprTable, AtLeast200Cases) {
  EXPECT_GE(kCases.size(), 200u);
}

TEST(ExprTable, Cases) {
  int failures = 0;
  for (const Case& c : kCases) {
    SCOPED_TRACE(label(c));
    nlohmann::json env = record(c.rec);
    try {
      Value got;
      if (c.mode == Mode::kLoose) {
        got = Program::compile(c.expr).run(env);
      } else if (c.mode == Mode::kStrict) {
        got = compile_include(c.expr).run(env);
      } else {
        got = Value::boolean(matches_instance(compile_include(c.expr), env));
      }
      if (c.want == nullptr) {
        ADD_FAILURE() << "expected error containing \"" << c.error << "\", got "
                      << got.to_json().dump();
        ++failures;
        continue;
      }
      nlohmann::json want = nlohmann::json::parse(c.want);
      if (!same_json(got.to_json(), want)) {
        ADD_FAILURE() << "want " << want.dump() << " got " << got.to_json().dump();
        ++failures;
      }
    } catch (const ExprError& e) {
      if (c.error == nullptr || std::string(e.what()).find(c.error) == std::string::npos) {
        ADD_FAILURE() << "unexpected error: " << e.what()
                      << (c.error ? std::string("\nwanted: ") + c.error : std::string());
        ++failures;
      }
    }
  }
  EXPECT_EQ(failures, 0) << "of " << kCases.size() << " cases";
}

}  // namespace
}  // namespace mm::expr
