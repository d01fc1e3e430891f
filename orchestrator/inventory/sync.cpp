#include "orchestrator/inventory/sync.h"

#include <map>

#include "orchestrator/inventory/clock.h"
#include "orchestrator/inventory/mapping.h"
#include "orchestrator/inventory/status.h"

namespace mm::inventory {
namespace {

state::WarningRecord sync_warning(const std::string& source, const std::string& type,
                                  const std::string& message) {
  state::WarningRecord w;
  w.scope = "sync";
  w.entity_type = "source";
  w.entity = source;
  w.type = type;
  w.messages = {message};
  return w;
}

ConnectivityResult source_failed(state::Store& store, const state::SourceRecord& src,
                                 const std::string& status, const std::string& type,
                                 const std::string& message, std::string fingerprint,
                                 const std::string& error) {
  store.set_source_status(src.id, status);
  store.replace_warnings("sync", "source", src.name, {sync_warning(src.name, type, message)},
                         now_rfc3339(), /*prune=*/false);
  return {status, std::move(fingerprint), true, error};
}

}  // namespace

source::SourceEndpoint source_endpoint(state::Store& store, const state::SourceRecord& s) {
  return {s.endpoint, s.username, store.source_password(s.name), s.trusted_fingerprint};
}

target::TargetEndpoint target_endpoint(state::Store& store, const state::TargetRecord& t) {
  target::TargetEndpoint e;
  e.url = t.endpoint;
  e.tls_client_cert = t.tls_client_cert;
  e.tls_client_key = store.target_tls_client_key(t.name);
  e.oidc_tokens = store.target_oidc_tokens(t.name);
  e.trusted_fingerprint = t.trusted_fingerprint;
  e.connection_timeout = t.connection_timeout;
  return e;
}

ConnectivityResult sync_source(state::Store& store, source::SourceConnector& connector,
                               const std::string& name) {
  const auto src = store.get_source(name);
  if (!src) return {kStatusUnknown, "", true, "source \"" + name + "\" not found"};
  const source::SourceEndpoint endpoint = source_endpoint(store, *src);
  source::Inventory inv;
  try {
    inv = connector.fetch_inventory(endpoint);
  } catch (const source::SourceError& e) {
    const std::string status = status_for(e.kind());
    if (e.kind() == source::SourceError::Kind::kProtocol) {
      return source_failed(store, *src, status, kWarnInstancesNotImported, e.what(), "", e.what());
    }
    const bool untrusted = e.kind() == source::SourceError::Kind::kUntrustedCertificate;
    return source_failed(store, *src, status, kWarnSourceUnavailable, "status: " + go_quote(status),
                         untrusted ? e.fingerprint() : "", e.what());
  } catch (const std::exception& e) {
    return source_failed(store, *src, kStatusUnknown, kWarnInstancesNotImported, e.what(), "",
                         e.what());
  }

  const std::string now = now_rfc3339();
  std::map<int64_t, std::string> names;
  for (const auto& s : store.list_sources()) names[s.id] = s.name;
  const SyncPlan plan =
      plan_sync(inv, *src, store.list_instances(), store.list_networks(), names, now);
  store.set_source_status(src->id, kStatusOk);
  for (const auto& n : plan.networks) store.upsert_network(n);
  for (const auto& i : plan.instances) store.upsert_instance(i);
  store.mark_missing_instances(src->id, plan.instance_uuids);
  store.mark_missing_networks(src->id, plan.network_ids);
  store.replace_warnings("sync", "source", src->name, plan.warnings, now, /*prune=*/true);
  return {kStatusOk, "", true, ""};
}

ConnectivityResult check_target(state::Store& store, target::TargetConnector& connector,
                                const std::string& name) {
  const auto t = store.get_target(name);
  if (!t) return {kStatusUnknown, "", true, "target \"" + name + "\" not found"};
  const target::TargetEndpoint endpoint = target_endpoint(store, *t);
  ConnectivityResult r{kStatusOk, "", true, ""};
  try {
    connector.check(endpoint);
  } catch (const target::TargetError& e) {
    r.status = status_for(e.kind());
    if (e.kind() == target::TargetError::Kind::kUntrustedCertificate)
      r.fingerprint = e.fingerprint();
    r.error = e.what();
  } catch (const std::exception& e) {
    r.status = kStatusUnknown;
    r.error = e.what();
  }
  store.set_target_status(t->id, r.status);
  return r;
}

}  // namespace mm::inventory
