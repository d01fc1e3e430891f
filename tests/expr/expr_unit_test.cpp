// The reference documents' include expressions against their instance records, error positions,
// and robustness against hostile input.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/expr/program.h"
#include "tests/expr/records.h"

namespace mm::expr {
namespace {

using testing::complex_vms;
using testing::esxi_vms;
using testing::NamedRecord;
using testing::win2016;

std::set<std::string> matched(const std::string& expression,
                              const std::vector<NamedRecord>& records) {
  Program p = compile_include(expression);
  std::set<std::string> out;
  for (const auto& r : records)
    if (matches_instance(p, r.record)) out.insert(r.location);
  return out;
}

// Document 000: "matches 2 instances from a source: the location path contains either Win2016
// or CentOS, and all matches must have exactly one disk"; batch info lists exactly these two.
TEST(ExprDocuments, EsxiBatchIncludeExpression) {
  auto got = matched(
      "(location matches 'Win2016' or location matches 'CentOS') and len(disks) == 1", esxi_vms());
  EXPECT_EQ(
      got, (std::set<std::string>{"/ha-datacenter/vm/CentOS 9 UEFI", "/ha-datacenter/vm/Win2016"}));
}

// The document's instance list spells the VM "Cent OS 9 UEFI"; 'CentOS' does not match that, as
// with expr-lang (regexp.MatchString is a plain search).
TEST(ExprDocuments, RegexIsASearchNotAFuzzyMatch) {
  Program p = compile_include("location matches 'CentOS'");
  auto r = win2016();
  r["location"] = "/ha-datacenter/vm/Cent OS 9 UEFI";
  EXPECT_FALSE(matches_instance(p, r));
  r["location"] = "/ha-datacenter/vm/CentOS 9 UEFI";
  EXPECT_TRUE(matches_instance(p, r));
}

// Document 001, batch01: "Match all instances under folder Incus migrations on vcenter01".
TEST(ExprDocuments, ComplexBatch01) {
  EXPECT_EQ(
      matched("location matches '/Incus migrations/' and source == 'vcenter01'", complex_vms()),
      (std::set<std::string>{"/vc01/vm/Incus migrations/Ubuntu 2404",
                             "/vc01/vm/Incus migrations/Debian Bookworm",
                             "/vc01/vm/Incus migrations/Cent OS 9 UEFI"}));
}

// Document 001, batch01's constraint: systems without background import.
TEST(ExprDocuments, ComplexBatch01Constraint) {
  EXPECT_EQ(matched("background_import == false", complex_vms()),
            (std::set<std::string>{"/vc01/vm/Incus migrations/Debian Bookworm"}));
}

// Document 001, batch02: "Match all instances with background import enabled"; batch info lists
// these five.
TEST(ExprDocuments, ComplexBatch02) {
  EXPECT_EQ(matched("background_import", complex_vms()),
            (std::set<std::string>{"/ha-datacenter/vm/Win2016", "/ha-datacenter/vm/SuseUEFI",
                                   "/vc01/vm/Incus migrations/Ubuntu 2404",
                                   "/vc01/vm/Incus migrations/Cent OS 9 UEFI",
                                   "/vc01/vm/other/CentOS9"}));
}

// Document 001, batch02's constraint: "If they are from source esxi01".
TEST(ExprDocuments, ComplexBatch02Constraint) {
  EXPECT_EQ(matched("source == 'esxi01'", complex_vms()),
            (std::set<std::string>{"/ha-datacenter/vm/Win2016", "/ha-datacenter/vm/SuseUEFI"}));
}

// Document 001 line ~273: the edited batch lost its closing parenthesis.
TEST(ExprDocuments, UnbalancedParenthesisIsAClearError) {
  const std::string src = "(location matches '/Incus migrations/' and source == 'vcenter01'";
  try {
    compile_include(src);
    FAIL() << "compiled";
  } catch (const ExprError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.column(), 65);
    EXPECT_EQ(e.message(),
              "expected ')' but found end of input (the '(' at line 1, column 1 is not closed)");
    EXPECT_EQ(caret_excerpt(src, e), src + "\n" + std::string(64, ' ') + "^");
  }
}

TEST(ExprErrors, TypoNamesLineAndColumn) {
  try {
    compile_include("name == 'x' and\n  locaton matches 'y'");
    FAIL() << "compiled";
  } catch (const ExprError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 3);
    EXPECT_STREQ(e.what(), "line 2, column 3: unknown name 'locaton' (did you mean 'location'?)");
  }
}

TEST(ExprErrors, RuntimeErrorPointsAtOperator) {
  Program p = compile_include("cpus > 1 and cpus + name == 1");
  try {
    p.run(win2016());
    FAIL() << "ran";
  } catch (const ExprError& e) {
    EXPECT_EQ(e.column(), 19);
    EXPECT_EQ(e.message(), "invalid operation: cpus + name (mismatched types int and string)");
  }
}

TEST(ExprErrors, ColumnsCountCharactersNotBytes) {
  try {
    Program::compile("'héllo' + )");
    FAIL() << "compiled";
  } catch (const ExprError& e) {
    EXPECT_EQ(e.column(), 11);
  }
}

TEST(ExprErrors, EnvironmentMustBeAnObject) {
  Program p = Program::compile("1");
  EXPECT_THROW(p.run(nlohmann::json::array()), ExprError);
}

TEST(ExprFields, InstanceFieldsAreAllKnown) {
  EXPECT_EQ(kInstanceFields.size(), 23u);
  auto r = win2016();
  for (auto f : kInstanceFields) {
    SCOPED_TRACE(std::string(f));
    EXPECT_NO_THROW(compile_include(std::string(f) + " != nil"));
    EXPECT_TRUE(r.contains(std::string(f)));
  }
  // Fields of nested records are reached through their parent, never as top-level names.
  EXPECT_THROW(compile_include("capacity > 0"), ExprError);
  EXPECT_THROW(compile_include("hardware_address == ''"), ExprError);
  EXPECT_NO_THROW(compile_include("any(nics, .hardware_address == '00:50:56:aa:bb:01')"));
}

TEST(ExprLimits, DeepParenthesesFailCleanly) {
  std::string src(100000, '(');
  src += "1";
  src += std::string(100000, ')');
  EXPECT_THROW(Program::compile(src), ExprError);
}

TEST(ExprLimits, DeepUnaryFailsCleanly) {
  EXPECT_THROW(Program::compile(std::string(100000, '!') + "true"), ExprError);
  EXPECT_THROW(Program::compile(std::string(100000, '-') + "1"), ExprError);
}

TEST(ExprLimits, LongFlatChainsFailCleanly) {
  // Left-associative chains build deep trees without parser recursion; the height limit stops
  // them before evaluation (or destruction) could overflow the stack.
  std::string sum = "1";
  for (int i = 0; i < 50000; ++i) sum += "+1";
  EXPECT_THROW(Program::compile(sum), ExprError);
  std::string chain = "config";
  for (int i = 0; i < 50000; ++i) chain += ".a";
  EXPECT_THROW(Program::compile(chain), ExprError);
  std::string index = "disks";
  for (int i = 0; i < 50000; ++i) index += "[0]";
  EXPECT_THROW(Program::compile(index), ExprError);
}

TEST(ExprLimits, ModerateNestingStillWorks) {
  std::string src(60, '(');
  src += "1";
  src += std::string(60, ')');
  EXPECT_EQ(Program::compile(src).run(nlohmann::json::object()).as_int(), 1);
  std::string sum = "1";
  for (int i = 0; i < 150; ++i) sum += "+1";
  EXPECT_EQ(Program::compile(sum).run(nlohmann::json::object()).as_int(), 151);
}

TEST(ExprLimits, WorkBudgetStopsRunawayExpressions) {
  auto run = [](const char* src) { return Program::compile(src).run(nlohmann::json::object()); };
  EXPECT_THROW(run("map(1..100000, map(1..100000, #))"), ExprError);
  EXPECT_THROW(run("map(1..100000, repeat('x', 100000))"), ExprError);
  EXPECT_THROW(run("count(1..100000, any(1..100000, # < 0))"), ExprError);
  EXPECT_NO_THROW(run("count(1..1000, # % 7 == 0)"));
}

TEST(ExprProgram, CompiledOnceRunManyTimesAcrossThreads) {
  Program p = compile_include("location matches '/Incus migrations/' and source == 'vcenter01'");
  auto records = complex_vms();
  std::vector<std::thread> threads;
  std::vector<int> counts(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i)
        for (const auto& r : records) counts[t] += matches_instance(p, r.record) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  for (int c : counts) EXPECT_EQ(c, 600);
}

TEST(ExprProgram, ResultOutlivesEnvironment) {
  Program p = Program::compile("disks");
  Value v;
  {
    auto env = win2016();
    v = p.run(env);
  }
  ASSERT_EQ(v.type(), Type::kArray);
  EXPECT_EQ(v.at(0).to_json()["capacity"], 53687091200LL);
}

TEST(ExprProgram, CopiesShareTheTree) {
  Program p = compile_include("cpus == 2");
  Program q = p;
  EXPECT_TRUE(matches_instance(q, win2016()));
  EXPECT_EQ(q.source(), "cpus == 2");
}

TEST(ExprValue, FormatFloatLikeGo) {
  EXPECT_EQ(format_float(1000000.0), "1e+06");
  EXPECT_EQ(format_float(1234567.0), "1.234567e+06");
  EXPECT_EQ(format_float(123456.0), "123456");
  EXPECT_EQ(format_float(0.0001), "0.0001");
  EXPECT_EQ(format_float(0.00001), "1e-05");
  EXPECT_EQ(format_float(2.5e-7), "2.5e-07");
  EXPECT_EQ(format_float(1e21), "1e+21");
  EXPECT_EQ(format_float(-0.0), "-0");
  EXPECT_EQ(format_float(100.0), "100");
}

TEST(ExprValue, JsonNumbersKeepTheirKind) {
  nlohmann::json env = {{"i", 3}, {"f", 3.0}, {"big", 18446744073709551615ULL}};
  EXPECT_EQ(Program::compile("i").run(env).type(), Type::kInt);
  EXPECT_EQ(Program::compile("f").run(env).type(), Type::kFloat);
  EXPECT_EQ(Program::compile("big").run(env).type(), Type::kFloat);
  EXPECT_TRUE(Program::compile("i == f").run(env).as_bool());
}

}  // namespace
}  // namespace mm::expr
