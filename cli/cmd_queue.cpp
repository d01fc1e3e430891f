// queue list | show | cancel | retry | resolve | confirm | events [--follow]. NAME is the instance
// name the queue shows, or its UUID; the daemon's routes take the UUID.
#include <time.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "cli/commands.h"
#include "common/go_duration.h"
#include "common/percent_encoding.h"

namespace mm::cli {
namespace {

// What a follower waits per request. Short enough that a stopping daemon is not held up long,
// long enough that an idle follower costs almost nothing.
constexpr const char* kFollowWait = "10s";
// After a reply that came back empty before its wait (the daemon answers at once when too many
// requests already wait), pause before asking again rather than spin.
constexpr auto kEmptyPause = std::chrono::milliseconds(250);
constexpr size_t kEventPage = 1000;  // the daemon's page size: a full page means there is more

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& s) {
  int y, mo, d, h, mi, sec, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) !=
          6 ||
      n == 0) {
    return std::nullopt;
  }
  size_t i = static_cast<size_t>(n);
  int64_t nanos = 0;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100000000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      nanos += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  int offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0, m = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d%n", &oh, &om, &m) != 2) return std::nullopt;
    offset = (s[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    i += 1 + static_cast<size_t>(m);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const time_t t = ::timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(t) + std::chrono::nanoseconds(nanos);
}

// Completed: a cold migration done and waiting for `queue confirm`; nothing more happens by itself.
bool is_terminal(const std::string& status) {
  return status == "Finished" || status == "Error" || status == "Canceled" || status == "Completed";
}

// The event that closes a terminal status; a follower that has not seen it yet waits a moment
// more for it, whichever order the scheduler writes the status and the event in.
bool closes(const std::string& status, const std::string& event_type) {
  return (status == "Finished" && event_type == "finished") ||
         (status == "Error" && event_type == "failed") ||
         (status == "Canceled" && event_type == "canceled") ||
         (status == "Completed" && event_type == "migration.completed");
}

std::string percent_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", v);
  return buf;
}

int64_t int_of(const Json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) return 0;
  return obj[key].get<int64_t>();
}

// One disk's progress for `queue show`.
Json disk_document(const Json& d) {
  Json doc = Json::object();
  doc["name"] = text_of(d, "name");
  doc["backing"] = text_of(d, "backing");
  doc["phase"] = text_of(d, "phase");
  const int64_t done = int_of(d, "bytes_done");
  int64_t total = int_of(d, "bytes_total");
  if (total <= 0) total = int_of(d, "size");
  const double pct = text_of(d, "phase") == "done" ? 100.0
                     : total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total)
                                 : 0.0;
  doc["progress"] = percent_text(pct);
  doc["transferred"] = iec_size(done) + " of " + iec_size(total);
  doc["rate"] = iec_size(int_of(d, "rate")) + "/s";
  if (d.contains("eta_seconds") && d["eta_seconds"].is_number() && int_of(d, "eta_seconds") >= 0) {
    doc["eta"] = mm::format_go_duration(std::chrono::seconds(int_of(d, "eta_seconds")));
  }
  return doc;
}

Json entry_document(const Json& q) {
  Json doc = Json::object();
  doc["name"] = text_of(q, "instance_name");
  doc["uuid"] = text_of(q, "instance_uuid");
  doc["batch"] = text_of(q, "batch_name");
  doc["status"] = text_of(q, "migration_status");
  doc["status_message"] = text_of(q, "migration_status_message");
  doc["stage"] = text_of(q, "stage");
  const std::string last = text_of(q, "last_update");
  doc["last_update"] = last.empty() ? "No update"
                                    : go_time_string(last) + " (" +
                                          queue_age(last, std::chrono::system_clock::now()) + ")";
  doc["migration_window"] =
      queue_window_text(q.contains("migration_window") ? q["migration_window"] : Json());
  const Json& w = q.contains("migration_window") ? q["migration_window"] : Json();
  if (!text_of(w, "name").empty()) doc["migration_window_name"] = text_of(w, "name");
  if (q.contains("placement") && q["placement"].is_object() && !q["placement"].empty()) {
    doc["placement"] = q["placement"];
  }
  Json disks = Json::array();
  if (q.contains("disks") && q["disks"].is_array()) {
    for (const auto& d : q["disks"]) disks.push_back(disk_document(d));
  }
  doc["disks"] = disks;
  if (q.contains("error") && q["error"].is_object()) {
    doc["error"] = {{"stage", text_of(q["error"], "stage")},
                    {"reason", text_of(q["error"], "reason")}};
  }
  return doc;
}

// The queue entry NAME stands for: its UUID, or else the instance name when exactly one has it.
Json resolve(Context& ctx, const std::string& name) {
  const Json entries = list_of(ctx.client().call("GET", "/queue?recursion=1"));
  std::optional<Json> by_name;
  int named = 0;
  for (const auto& q : entries) {
    if (text_of(q, "instance_uuid") == name) return q;
    if (text_of(q, "instance_name") == name) {
      by_name = q;
      ++named;
    }
  }
  if (named > 1) {
    throw std::runtime_error("Instance name " + go_quote(name) +
                             " is not unique in the queue: use the instance UUID");
  }
  if (!by_name) throw std::runtime_error("Instance " + go_quote(name) + " is not in the queue");
  return *by_name;
}

std::string entry_path(const Json& q) {
  return "/queue/" + mm::percent_encode(text_of(q, "instance_uuid"));
}

void queue_list(Context& ctx, const std::string& format) {
  const Json entries = list_of(ctx.client().call("GET", "/queue?recursion=1"));
  const auto now = std::chrono::system_clock::now();
  std::vector<Row> rows;
  for (const auto& q : entries) {
    std::string message = text_of(q, "migration_status_message");
    // As the reference: an empty message shows the status again.
    if (message.empty()) message = text_of(q, "migration_status");
    rows.push_back(
        {text_of(q, "instance_name"), text_of(q, "batch_name"),
         queue_age(text_of(q, "last_update"), now), text_of(q, "migration_status"), message,
         queue_window_text(q.contains("migration_window") ? q["migration_window"] : Json())});
  }
  sort_rows(rows);
  ctx.out << render_list(
      format, {"Name", "Batch", "Last Update", "Status", "Status Message", "Migration Window"},
      rows, entries);
}

void queue_action(Context& ctx, const std::string& name, const std::string& verb,
                  const std::string& done) {
  const Json q = resolve(ctx, name);
  ctx.client().call("POST", entry_path(q) + "/:" + verb);
  ctx.out << "Successfully " << done << " queue entry " << go_quote(name) << ".\n";
}

// Prints the events after `after` (all pages); returns how many and the last type seen.
size_t print_events(Context& ctx, const std::string& path, int64_t& after, std::string& last_type,
                    const std::string& wait) {
  size_t printed = 0;
  for (;;) {
    std::string target = path + "/events?after=" + std::to_string(after);
    if (!wait.empty() && printed == 0) target += "&wait=" + wait;
    const Json events = list_of(ctx.client().call("GET", target));
    for (const auto& e : events) {
      ctx.out << text_of(e, "time") << "  " << text_of(e, "type") << "  " << text_of(e, "message")
              << "\n";
      after = std::max(after, int_of(e, "id"));
      last_type = text_of(e, "type");
    }
    ctx.out << std::flush;
    printed += events.size();
    if (events.size() < kEventPage) return printed;
  }
}

void queue_events(Context& ctx, const std::string& name, bool follow) {
  const Json q = resolve(ctx, name);
  const std::string path = entry_path(q);
  int64_t after = 0;
  std::string last_type;
  if (!follow) {
    print_events(ctx, path, after, last_type, "");
    return;
  }
  for (;;) {
    const std::string status = text_of(ctx.client().call("GET", path), "migration_status");
    if (is_terminal(status)) {
      print_events(ctx, path, after, last_type, "");
      if (!closes(status, last_type)) print_events(ctx, path, after, last_type, "2s");
      return;
    }
    const auto asked = std::chrono::steady_clock::now();
    if (print_events(ctx, path, after, last_type, kFollowWait) == 0 &&
        std::chrono::steady_clock::now() - asked < kEmptyPause) {
      std::this_thread::sleep_for(kEmptyPause);
    }
  }
}

}  // namespace

std::string queue_age(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  if (rfc3339.empty()) return "No update";
  const auto t = parse_rfc3339(rfc3339);
  if (!t) return rfc3339;
  // Go's time.Since(t).Truncate(time.Second).String(): "4s", "3m12s", "2h0m5s".
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - *t);
  return mm::format_go_duration(age) + " ago";
}

std::string queue_window_text(const Json& window) {
  if (!window.is_object()) return "none";
  const std::string start = text_of(window, "start");
  const std::string end = text_of(window, "end");
  if (start.empty() && end.empty()) return "none";
  std::string out = go_time_string(start) + " - " + (end.empty() ? "no end" : go_time_string(end));
  const std::string lockout = text_of(window, "lockout");
  if (!lockout.empty()) out += " (lockout " + go_time_string(lockout) + ")";
  return out;
}

void add_queue_commands(CLI::App& app, Context& ctx) {
  CLI::App* grp = app.add_subcommand("queue", "Display the migration queue");
  grp->require_subcommand(1);

  auto format = std::make_shared<std::string>("table");
  CLI::App* c = grp->add_subcommand("list", "List the migration queue");
  c->alias("ls");
  add_format_option(c, *format);
  c->callback([&ctx, format] { queue_list(ctx, *format); });

  auto show = std::make_shared<std::string>();
  c = grp->add_subcommand("show", "Show a queue entry and its disks' progress");
  c->add_option("name", *show, "Instance name or UUID")->required();
  c->callback([&ctx, show] {
    const Json q = resolve(ctx, *show);
    ctx.out << to_yaml(entry_document(ctx.client().call("GET", entry_path(q))));
  });

  struct Action {
    const char* verb;
    const char* done;
    const char* help;
  };
  for (const Action& a :
       {Action{"cancel", "cancelled", "Cancel migration for the queue entry"},
        Action{"retry", "restarted", "Retry migration for the queue entry"},
        Action{"resolve", "resolved", "Accept a conflicting instance as it now is and continue"},
        Action{"confirm", "confirmed",
               "Accept a Completed cold migration: the source stays powered off"}}) {
    auto name = std::make_shared<std::string>();
    c = grp->add_subcommand(a.verb, a.help);
    c->add_option("name", *name, "Instance name or UUID")->required();
    c->callback([&ctx, name, a] { queue_action(ctx, *name, a.verb, a.done); });
  }

  auto events = std::make_shared<std::string>();
  auto follow = std::make_shared<bool>(false);
  c = grp->add_subcommand("events", "Show the migration events of a queue entry");
  c->add_option("name", *events, "Instance name or UUID")->required();
  c->add_flag("--follow", *follow,
              "Keep printing new events until the migration is Finished, Error or Canceled");
  c->callback([&ctx, events, follow] { queue_events(ctx, *events, *follow); });
}

}  // namespace mm::cli
