#pragma once
// Real disk images for the inspection tests, built with the tools an administrator would use
// (sgdisk, sfdisk, mkfs.ext4 -E offset, mkfs.fat --offset, mkswap, mkntfs, mkfs.xfs): no root, no
// loop devices. Filesystems that cannot be made at an offset are made in a file of their own and
// copied into place with dd.
#include <cstdint>
#include <string>

#include "tests/support/servers.h"

namespace mm::test::images {

constexpr uint64_t kMiB = 1024 * 1024;

inline const char* kDebian12 =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
    "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";
inline const char* kCentos7 =
    "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n"
    "VERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n";

// 50 MiB, GPT: 1 ESP (FAT32 "ESP", 1-9 MiB), 2 linux (ext4 "root", 9-41 MiB) holding Debian 12
// with /etc/os-release -> ../usr/lib/os-release, 3 linux-swap (swap "swp", 41-49 MiB).
std::string gpt_debian(const TempDir& dir);
// 64 MiB, MBR: 1 linux, active (ext4 "root", 1-21 MiB) holding CentOS 7 with a plain
// /etc/os-release; 2 extended (21-61 MiB) with logical 5 linux-swap (22-26 MiB) and logical 6
// linux (ext3 "data", 27-43 MiB, no os-release).
std::string mbr_centos(const TempDir& dir);
// 32 MiB, MBR: 1 microsoft-basic-data, active (NTFS "Windows", 1-31 MiB).
std::string mbr_windows(const TempDir& dir);
// A filesystem on the whole disk (no partition table): `mkfs` is "ext2", "ext3", "ext4" (with a
// Debian 12 os-release), "xfs" or "vfat".
std::string whole_disk(const TempDir& dir, const std::string& mkfs);
// 8 MiB of deterministic random bytes.
std::string garbage(const TempDir& dir);

// Overwrites `length` bytes at `offset` of `path` with 0xFF.
void clobber(const std::string& path, uint64_t offset, uint64_t length);

}  // namespace mm::test::images
