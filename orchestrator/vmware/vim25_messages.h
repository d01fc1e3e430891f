#pragma once
// The vim25 data objects this client reads, parsed out of replies: ServiceContent, the
// PropertyCollector's RetrieveResult and TaskInfo. Each parser throws ReplyError naming the
// element and the problem.
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/vmware/vim25_reply.h"

namespace mm::vmware {

struct ServiceContent {
  MoRef root_folder;
  MoRef property_collector;
  MoRef view_manager;
  MoRef session_manager;
  std::string api_type;     // HostAgent (ESXi) | VirtualCenter
  std::string api_version;  // "7.0.3"
  std::string full_name;    // "VMware ESXi 7.0.3 build-..."
  std::string instance_uuid;
};
ServiceContent parse_service_content(const Reply& reply);

// One object of a RetrievePropertiesEx page: its reference and its properties by path. The
// nodes live in the page's Reply, which RetrieveResult keeps.
struct ObjectContent {
  MoRef obj;
  std::vector<std::pair<std::string, pugi::xml_node>> props;  // name -> <val>
  // The <val> of property `name`, or an empty node when the server did not send it (unset).
  pugi::xml_node prop(std::string_view name) const;
};

struct RetrieveResult {
  Reply reply;  // keeps the nodes alive
  std::vector<ObjectContent> objects;
  std::string token;  // "" on the last page
};
// Reply of RetrievePropertiesEx / ContinueRetrievePropertiesEx; an empty returnval (no object
// matched) is an empty result.
RetrieveResult parse_retrieve_result(const Reply& reply);

struct TaskInfo {
  std::string state;          // queued | running | success | error
  std::string error_type;     // the fault's xsi:type when state is error
  std::string error_message;  // its localizedMessage
  MoRef result;               // a ManagedObjectReference result (CreateSnapshot_Task), else empty
};
TaskInfo parse_task_info(pugi::xml_node info, std::string_view where);

}  // namespace mm::vmware
