#include "orchestrator/vmware/vim_session.h"

#include "orchestrator/vmware/vim25_request.h"

namespace mm::vmware {
namespace {

using source::SourceError;

const MoRef kServiceInstance{"ServiceInstance", "ServiceInstance"};

bool looks_like_soap(const std::string& body) {
  return body.find("Envelope") != std::string::npos;
}

}  // namespace

VimSession::VimSession(source::SourceEndpoint endpoint, SessionOptions options)
    : endpoint_(std::move(endpoint)),
      options_(options),
      transport_(endpoint_.url, endpoint_.trusted_fingerprint, options.transport) {}

VimSession::~VimSession() = default;

std::string VimSession::exchange(std::string_view method, const MoRef& this_ref,
                                 const std::string& inner, bool& not_authenticated) {
  not_authenticated = false;
  const HttpReply reply = transport_.post(api_version_, soap_request(method, this_ref, inner));
  last_call_ = std::chrono::steady_clock::now();
  // Faults come as HTTP 500 with a SOAP body; anything else non-200 is not vim25 speaking.
  if (reply.status == 502 || reply.status == 503 || reply.status == 504) {
    throw SourceError(SourceError::Kind::kUnreachable, std::string(method) + ": HTTP " +
                                                           std::to_string(reply.status) +
                                                           " (the service is not available)");
  }
  if (reply.status != 200 && !(reply.status == 500 && looks_like_soap(reply.body))) {
    throw SourceError(SourceError::Kind::kProtocol,
                      std::string(method) + ": HTTP " + std::to_string(reply.status) +
                          " from the server (is the URL a vSphere SDK endpoint?)");
  }
  if (reply.status == 500 && reply.body.find("NotAuthenticated") != std::string::npos) {
    try {
      Reply::parse(reply.body, method);
    } catch (const VimFault& f) {
      not_authenticated = f.fault_type() == "NotAuthenticated";
    } catch (const ReplyError&) {
    }
  }
  return reply.body;
}

std::string VimSession::call_raw(std::string_view method, const MoRef& this_ref,
                                 const std::string& inner) {
  bool not_authenticated = false;
  std::string body = exchange(method, this_ref, inner, not_authenticated);
  if (not_authenticated && logged_in_) {
    // The server forgot the session (expired, restarted, logged out): once more, freshly.
    logged_in_ = false;
    transport_.clear_session_cookie();
    do_login();
    body = exchange(method, this_ref, inner, not_authenticated);
  }
  return body;
}

Reply VimSession::call(std::string_view method, const MoRef& this_ref, const std::string& inner) {
  const std::string body = call_raw(method, this_ref, inner);
  try {
    return Reply::parse(body, method);
  } catch (const VimFault& f) {
    if (f.fault_type() == "InvalidLogin") {
      throw SourceError(SourceError::Kind::kAuthFailed, "login to " + endpoint_.url + " as " +
                                                            endpoint_.username +
                                                            " failed: " + f.fault_string());
    }
    throw VimCallError(f.fault_type(), f.fault_string(), f.what());
  } catch (const ReplyError& e) {
    throw SourceError(SourceError::Kind::kProtocol, e.what());
  }
}

void VimSession::do_login() {
  content_ = [&] {
    const Reply r = call("RetrieveServiceContent", kServiceInstance, "");
    try {
      return parse_service_content(r);
    } catch (const ReplyError& e) {
      throw SourceError(SourceError::Kind::kProtocol, e.what());
    }
  }();
  if (!content_.api_version.empty()) api_version_ = content_.api_version;
  call("Login", content_.session_manager,
       element("userName", endpoint_.username) + element("password", endpoint_.password));
  logged_in_ = true;
  ++logins_;
}

void VimSession::login() {
  if (!logged_in_) do_login();
}

void VimSession::logout() noexcept {
  if (!logged_in_) return;
  logged_in_ = false;
  try {
    call("Logout", content_.session_manager, "");
  } catch (const std::exception&) {
  }
  transport_.clear_session_cookie();
  transport_.close();
}

bool VimSession::keep_alive() {
  if (!logged_in_) return false;
  if (std::chrono::steady_clock::now() - last_call_ < options_.keepalive_interval) return false;
  call("CurrentTime", kServiceInstance, "");
  return true;
}

}  // namespace mm::vmware
