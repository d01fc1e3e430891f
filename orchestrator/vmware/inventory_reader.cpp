// VmwareClient: connection and the inventory read through the PropertyCollector.
#include "orchestrator/vmware/inventory_builder.h"
#include "orchestrator/vmware/vim25_request.h"
#include "orchestrator/vmware/vmware_client.h"

namespace mm::vmware {
namespace {

using source::SourceError;

// Runs a parser over a reply, reporting a malformed one as the user-facing protocol error.
template <class F>
auto parsed(F f) {
  try {
    return f();
  } catch (const ReplyError& e) {
    throw SourceError(SourceError::Kind::kProtocol, e.what());
  }
}

std::string prop_specs() {
  std::string out;
  for (const PropertyPaths& p : inventory_property_paths()) {
    out += "<propSet>" + element("type", p.type);
    for (const char* path : p.paths) out += element("pathSet", path);
    out += "</propSet>";
  }
  return out;
}

// Views live until the session ends anyway: failing to destroy one is not worth failing for.
void destroy_view(VimSession& session, const MoRef& view) {
  try {
    session.call("DestroyView", view, "");
  } catch (const std::exception&) {
  }
}

}  // namespace

VmwareClient::VmwareClient(source::SourceEndpoint endpoint, SessionOptions options)
    : session_(std::move(endpoint), options) {}

VmwareClient::~VmwareClient() {
  disconnect();
}

void VmwareClient::connect() {
  session_.login();
}

void VmwareClient::disconnect() noexcept {
  session_.logout();
}

source::Inventory VmwareClient::inventory() {
  connect();
  const ServiceContent& sc = session_.service_content();
  std::string types;
  for (const char* t : inventory_view_types()) types += element("type", t);
  const MoRef view = parsed([&] {
    return to_moref(
        session_
            .call("CreateContainerView", sc.view_manager,
                  moref_element("container", sc.root_folder) + types + element("recursive", "true"))
            .returnval(),
        "CreateContainerView returnval");
  });

  InventoryBuilder builder(sc.root_folder.value);
  try {
    const std::string spec =
        "<specSet>" + prop_specs() + "<objectSet>" + moref_element("obj", view) +
        "<skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>view</name>"
        "<type>ContainerView</type><path>view</path><skip>false</skip></selectSet>"
        "</objectSet></specSet>";
    const std::string options = "<options><maxObjects>" +
                                std::to_string(session_.options().page_size) +
                                "</maxObjects></options>";
    RetrieveResult page = parsed([&] {
      return parse_retrieve_result(
          session_.call("RetrievePropertiesEx", sc.property_collector, spec + options));
    });
    // Follow the continuation tokens until the collector says there is no more.
    for (int pages = 1;; ++pages) {
      std::string token = page.token;
      builder.add(std::move(page));
      if (token.empty()) break;
      if (pages > 100000) {
        throw SourceError(SourceError::Kind::kProtocol, "RetrievePropertiesEx: endless paging");
      }
      page = parsed([&] {
        return parse_retrieve_result(session_.call("ContinueRetrievePropertiesEx",
                                                   sc.property_collector, element("token", token)));
      });
    }
  } catch (...) {
    destroy_view(session_, view);
    throw;
  }
  destroy_view(session_, view);

  // Standard port groups' VLANs: the hosts' network systems, in one more read.
  const std::vector<MoRef> systems = parsed([&] { return builder.network_systems(); });
  if (!systems.empty()) {
    std::string spec =
        "<specSet><propSet><type>HostNetworkSystem</type>"
        "<pathSet>networkInfo.portgroup</pathSet></propSet>";
    for (const MoRef& s : systems) spec += "<objectSet>" + moref_element("obj", s) + "</objectSet>";
    spec += "</specSet><options/>";
    RetrieveResult page = parsed([&] {
      return parse_retrieve_result(
          session_.call("RetrievePropertiesEx", sc.property_collector, spec));
    });
    for (;;) {
      std::string token = page.token;
      builder.add(std::move(page));
      if (token.empty()) break;
      page = parsed([&] {
        return parse_retrieve_result(session_.call("ContinueRetrievePropertiesEx",
                                                   sc.property_collector, element("token", token)));
      });
    }
  }
  return parsed([&] { return builder.build(); });
}

}  // namespace mm::vmware
