// fuzz_vim25_reply: any bytes as the SOAP reply of the calls the VMware client makes. Every
// reader must either accept the input or throw ReplyError / VimFault, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "orchestrator/vmware/inventory_builder.h"
#include "orchestrator/vmware/vim25_messages.h"
#include "orchestrator/vmware/vim25_reply.h"

using namespace mm::vmware;

namespace {

template <class F>
void guarded(F f) {
  try {
    f();
  } catch (const ReplyError&) {
  } catch (const VimFault&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  guarded([&] { parse_service_content(Reply::parse(xml, "RetrieveServiceContent")); });
  guarded([&] { Reply::parse(xml, "Login").optional_returnval(); });
  guarded([&] { to_moref(Reply::parse(xml, "CreateSnapshot_Task").returnval(), "returnval"); });
  for (const char* method : {"RetrievePropertiesEx", "ContinueRetrievePropertiesEx"}) {
    guarded([&] {
      RetrieveResult page = parse_retrieve_result(Reply::parse(xml, method));
      for (const ObjectContent& o : page.objects) {
        if (pugi::xml_node info = o.prop("info")) {
          guarded([&] { parse_task_info(info, "info"); });
        }
      }
      InventoryBuilder builder("group-d1");
      builder.add(std::move(page));
      builder.network_systems();
      builder.build();
    });
  }
  return 0;
}
