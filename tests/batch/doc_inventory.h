#pragma once
// The inventories of the batch documents, written straight into a store: the sources, targets and
// instances that `batch info` in 000_85d74a29e3fab11c.txt and 001_2380c153435170c1.txt matches.
#include "orchestrator/state/store.h"

namespace mm::test {

// 000: esxi01 with Win2016, Ubuntu 2404, Debian Bookworm, CentOS 9 UEFI (two disks: no), SuseUEFI;
// target incus01. The document's `instance list` spells the CentOS VM "Cent OS 9 UEFI" but its
// `batch info` shows "CentOS 9 UEFI", which is the name its expression can match: we use that.
void load_doc_inventory_000(state::Store& store);
// 001: esxi01 (Win2016, SuseUEFI) and vcenter01 (Ubuntu 2404, Debian Bookworm without background
// import, Cent OS 9 UEFI, other/CentOS9); targets incus01 and incus02.
void load_doc_inventory_001(state::Store& store);

}  // namespace mm::test
