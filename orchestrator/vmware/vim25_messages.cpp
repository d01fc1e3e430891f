#include "orchestrator/vmware/vim25_messages.h"

namespace mm::vmware {

ServiceContent parse_service_content(const Reply& reply) {
  const pugi::xml_node rv = reply.returnval();
  const std::string w = "ServiceContent";
  ServiceContent sc;
  sc.root_folder = to_moref(child(rv, "rootFolder", w), w + ".rootFolder");
  sc.property_collector = to_moref(child(rv, "propertyCollector", w), w + ".propertyCollector");
  sc.session_manager = to_moref(child(rv, "sessionManager", w), w + ".sessionManager");
  // ESXi and vCenter both have a ViewManager since vSphere 4; without one there is no inventory.
  sc.view_manager = to_moref(child(rv, "viewManager", w), w + ".viewManager");
  const pugi::xml_node about = child(rv, "about", w);
  sc.api_type = text(child(about, "apiType", w + ".about"), w + ".about.apiType");
  if (sc.api_type != "HostAgent" && sc.api_type != "VirtualCenter") {
    throw ReplyError("vim25 reply: ServiceContent.about.apiType: unknown API type \"" +
                     sc.api_type + "\"");
  }
  sc.api_version = text(child(about, "apiVersion", w + ".about"), w + ".about.apiVersion");
  sc.full_name = optional_text(about, "fullName", w + ".about");
  sc.instance_uuid = optional_text(about, "instanceUuid", w + ".about");
  return sc;
}

pugi::xml_node ObjectContent::prop(std::string_view name) const {
  for (const auto& [n, v] : props) {
    if (n == name) return v;
  }
  return {};
}

RetrieveResult parse_retrieve_result(const Reply& reply) {
  RetrieveResult result{reply, {}, {}};
  const pugi::xml_node rv = reply.optional_returnval();
  if (!rv) return result;
  result.token = optional_text(rv, "token", "RetrieveResult");
  size_t index = 0;
  for (pugi::xml_node o : children(rv, "objects")) {
    const std::string w = "RetrieveResult.objects[" + std::to_string(index++) + "]";
    ObjectContent oc;
    oc.obj = to_moref(child(o, "obj", w), w + ".obj");
    for (pugi::xml_node p : children(o, "propSet")) {
      const std::string pw = w + " (" + oc.obj.value + ").propSet";
      std::string name = text(child(p, "name", pw), pw + ".name");
      if (name.empty()) throw ReplyError("vim25 reply: " + pw + ": empty property name");
      if (oc.prop(name)) {
        throw ReplyError("vim25 reply: " + pw + ": property " + name + " appears twice");
      }
      oc.props.emplace_back(std::move(name), child(p, "val", pw));
    }
    // missingSet: a property the server could not read (permissions); treat as unset.
    result.objects.push_back(std::move(oc));
  }
  return result;
}

TaskInfo parse_task_info(pugi::xml_node info, std::string_view where) {
  const std::string w(where);
  TaskInfo t;
  t.state = text(child(info, "state", w), w + ".state");
  if (t.state != "queued" && t.state != "running" && t.state != "success" && t.state != "error") {
    throw ReplyError("vim25 reply: " + w + ".state: unknown task state \"" + t.state + "\"");
  }
  if (t.state == "error") {
    const pugi::xml_node error = child(info, "error", w);
    if (pugi::xml_node fault = optional_child(error, "fault", w + ".error")) {
      t.error_type = xsi_type(fault);
    }
    t.error_message = optional_text(error, "localizedMessage", w + ".error");
  }
  if (pugi::xml_node r = optional_child(info, "result", w)) {
    if (xsi_type(r) == "ManagedObjectReference") t.result = to_moref(r, w + ".result");
  }
  return t;
}

}  // namespace mm::vmware
