// /1.0/queue (names; ?recursion=1 objects), /1.0/queue/{uuid}, the user's decisions
// POST /1.0/queue/{uuid}/:cancel | :retry | :resolve | :confirm (handed to the scheduler), and
// GET /1.0/queue/{uuid}/events?after=ID&wait=DURATION, which long-polls the store for new events.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "common/go_duration.h"
#include "common/percent_encoding.h"
#include "orchestrator/api/api_error.h"
#include "orchestrator/api/queue_json.h"
#include "orchestrator/api/router.h"
#include "orchestrator/migration/queue_control.h"

namespace mm::api {
namespace {

using nlohmann::json;

// How often a waiting events request looks at the store: an event reaches a follower within this,
// and an idle follower costs a few indexed reads a second.
constexpr auto kPollInterval = std::chrono::milliseconds(150);
// Longer waits are cut to this: clients time out at 60 s and a stopping daemon waits for it.
constexpr auto kMaxWait = std::chrono::seconds(60);
// A waiting request holds one of the server's few threads; past this many the others answer at
// once (the client polls again), so waiters can never starve the rest of the API.
constexpr int kMaxWaiters = 1;
constexpr int64_t kEventPage = 1000;

std::atomic<int> g_waiters{0};

std::string entry_path(const std::string& uuid) {
  return "/1.0/queue/" + mm::percent_encode(uuid);
}

state::QueueRecord entry_or_404(state::Store& store, const std::string& uuid) {
  auto r = store.get_queue_entry(uuid);
  if (!r) throw ApiError(404, "queue entry \"" + uuid + "\" not found");
  return *r;
}

Response list_queue(const ParsedTarget& t, state::Store& store) {
  const auto it = t.query.find("recursion");
  const bool full = it != t.query.end() && it->second != "0" && !it->second.empty();
  std::vector<state::QueueRecord> rows = store.list_queue();
  // The reference's order: by batch, then instance name.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.batch_name != b.batch_name) return a.batch_name < b.batch_name;
    return a.instance_name < b.instance_name;
  });
  json out = json::array();
  for (const auto& r : rows) {
    if (full) {
      out.push_back(queue_entry_to_json(r));
    } else {
      out.push_back(entry_path(r.instance_uuid));
    }
  }
  return sync_response(std::move(out));
}

Response act(const Request& req, const std::string& uuid, const std::string& action,
             state::Store& store, migration::QueueControl* control) {
  if (req.method != "POST") return method_not_allowed("POST");
  entry_or_404(store, uuid);
  if (!control) throw ApiError(503, "cannot " + action + " \"" + uuid + "\": no scheduler");
  try {
    if (action == "cancel") {
      control->cancel(uuid);
    } else if (action == "retry") {
      control->retry(uuid);
    } else if (action == "confirm") {
      control->confirm(uuid);
    } else {
      control->resolve(uuid);
    }
  } catch (const std::invalid_argument& e) {
    throw ApiError(400, e.what());
  }
  return sync_response(json::object());
}

int64_t parse_after(const ParsedTarget& t) {
  const auto it = t.query.find("after");
  if (it == t.query.end() || it->second.empty()) return 0;
  int64_t v = 0;
  const std::string& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) {
    throw ApiError(400, "invalid after \"" + s + "\": want an event id (0 or more)");
  }
  return v;
}

std::chrono::nanoseconds parse_wait(const ParsedTarget& t) {
  const auto it = t.query.find("wait");
  if (it == t.query.end() || it->second.empty()) return {};
  std::chrono::nanoseconds d;
  try {
    d = mm::parse_go_duration(it->second, "wait");
  } catch (const std::invalid_argument& e) {
    throw ApiError(400, e.what());
  }
  if (d.count() < 0) throw ApiError(400, "invalid wait \"" + it->second + "\": negative");
  return std::min<std::chrono::nanoseconds>(d, kMaxWait);
}

// Holds one of the waiter places for its lifetime, if one was free.
class WaiterSlot {
 public:
  WaiterSlot() : held_(g_waiters.fetch_add(1) < kMaxWaiters) {
    if (!held_) g_waiters.fetch_sub(1);
  }
  ~WaiterSlot() {
    if (held_) g_waiters.fetch_sub(1);
  }
  WaiterSlot(const WaiterSlot&) = delete;
  WaiterSlot& operator=(const WaiterSlot&) = delete;
  bool held() const { return held_; }

 private:
  bool held_;
};

Response events(const Request& req, const ParsedTarget& t, const std::string& uuid,
                state::Store& store) {
  if (req.method != "GET") return method_not_allowed("GET");
  const int64_t after = parse_after(t);
  const auto wait = parse_wait(t);
  auto found = store.list_queue_events(uuid, after, kEventPage);
  bool queued = store.get_queue_entry(uuid).has_value();
  // The log outlives the queue row (a reset batch), so an instance is unknown only without both.
  if (!queued && found.empty() && store.list_queue_events(uuid, 0, 1).empty()) {
    throw ApiError(404, "queue entry \"" + uuid + "\" not found");
  }
  // Nothing will be appended for an instance no longer queued: no point waiting.
  if (found.empty() && queued && wait.count() > 0) {
    WaiterSlot slot;
    if (slot.held()) {
      const auto deadline = std::chrono::steady_clock::now() + wait;
      while (found.empty() && queued && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(
            kPollInterval, deadline - std::chrono::steady_clock::now()));
        found = store.list_queue_events(uuid, after, kEventPage);
        if (found.empty()) queued = store.get_queue_entry(uuid).has_value();
      }
    }
  }
  json out = json::array();
  for (const auto& e : found) out.push_back(queue_event_to_json(e));
  return sync_response(out);
}

}  // namespace

Response handle_queue(const Request& req, const ParsedTarget& t, state::Store& store,
                      migration::QueueControl* control) {
  const auto& s = t.segments;
  if (s.size() == 2) {
    if (req.method != "GET") return method_not_allowed("GET");
    return list_queue(t, store);
  }
  if (s.size() == 3) {
    if (req.method != "GET") return method_not_allowed("GET");
    return sync_response(queue_entry_to_json(entry_or_404(store, s[2])));
  }
  if (s.size() == 4) {
    // ":cancel" is the reference's form; without the colon is accepted too, as for :sync.
    std::string verb = s[3];
    if (!verb.empty() && verb[0] == ':') verb.erase(0, 1);
    if (verb == "cancel" || verb == "retry" || verb == "resolve" || verb == "confirm") {
      return act(req, s[2], verb, store, control);
    }
    if (s[3] == "events") return events(req, t, s[2], store);
  }
  throw ApiError(404, "not found");
}

}  // namespace mm::api
