#pragma once
// A logged-in vim25 session: RetrieveServiceContent, Login, Logout, keep-alive, and the call
// wrapper that turns faults into typed errors. InvalidLogin becomes SourceError kAuthFailed;
// NotAuthenticated (the session expired or was closed) logs in again once and repeats the call;
// any other fault becomes VimCallError (a SourceError kProtocol) carrying the fault type and text.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "orchestrator/source/source_inventory.h"
#include "orchestrator/vmware/soap_transport.h"
#include "orchestrator/vmware/vim25_messages.h"

namespace mm::vmware {

struct SessionOptions {
  TransportOptions transport;
  // A call after this much idle time is preceded by nothing, but keep_alive() sends CurrentTime
  // when the session has been idle this long (vCenter's default session timeout is 30 min).
  std::chrono::seconds keepalive_interval{300};
  std::chrono::seconds task_timeout{300};  // one vSphere task, start to end
  int page_size = 200;                     // RetrievePropertiesEx maxObjects
};

// A fault the server answered a call with (other than InvalidLogin / NotAuthenticated).
class VimCallError : public source::SourceError {
 public:
  VimCallError(std::string fault_type, std::string fault_string, const std::string& what)
      : SourceError(Kind::kProtocol, what),
        fault_type_(std::move(fault_type)),
        fault_string_(std::move(fault_string)) {}
  const std::string& fault_type() const { return fault_type_; }
  const std::string& fault_string() const { return fault_string_; }

 private:
  std::string fault_type_;
  std::string fault_string_;
};

class VimSession {
 public:
  explicit VimSession(source::SourceEndpoint endpoint, SessionOptions options = {});
  ~VimSession();
  VimSession(const VimSession&) = delete;
  VimSession& operator=(const VimSession&) = delete;

  // RetrieveServiceContent then Login. Throws SourceError.
  void login();
  // Logout; never throws (the session ends on the server's timeout anyway).
  void logout() noexcept;
  bool logged_in() const { return logged_in_; }

  const ServiceContent& service_content() const { return content_; }
  bool is_esxi() const { return content_.api_type == "HostAgent"; }
  bool is_vcenter() const { return content_.api_type == "VirtualCenter"; }
  const SessionOptions& options() const { return options_; }

  // Calls METHOD on `this_ref` with the request's remaining elements `inner`; returns the parsed
  // reply. Faults and malformed replies throw as described above (ReplyError becomes a
  // SourceError kProtocol naming the method).
  Reply call(std::string_view method, const MoRef& this_ref, const std::string& inner);
  // The same, but returns the raw body of any reply but NotAuthenticated (faults included): for
  // parsers that read faults themselves (QueryChangedDiskAreas).
  std::string call_raw(std::string_view method, const MoRef& this_ref, const std::string& inner);

  // CurrentTime when the session has been idle at least keepalive_interval; true if it sent one.
  bool keep_alive();

  // Test hooks: the server-side session cookie (empty before login), and the number of logins.
  const std::string& session_cookie() const { return transport_.session_cookie(); }
  int login_count() const { return logins_; }

 private:
  std::string exchange(std::string_view method, const MoRef& this_ref, const std::string& inner,
                       bool& not_authenticated);
  void do_login();

  source::SourceEndpoint endpoint_;
  SessionOptions options_;
  SoapTransport transport_;
  ServiceContent content_;
  std::string api_version_ = "6.0";  // SOAPAction before the server said its version
  bool logged_in_ = false;
  int logins_ = 0;
  std::chrono::steady_clock::time_point last_call_{};
};

}  // namespace mm::vmware
