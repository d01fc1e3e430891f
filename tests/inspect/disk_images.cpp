#include "tests/inspect/disk_images.h"

#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

namespace mm::test::images {
namespace {

// A directory tree for mkfs.ext4 -d: etc/os-release as a file or as Debian's symlink.
std::string root_tree(const TempDir& dir, const std::string& name, const std::string& os_release,
                      bool symlink) {
  const std::string root = dir.file(name);
  must_run("mkdir -p " + root + "/etc " + root + "/usr/lib");
  const std::string target = symlink ? root + "/usr/lib/os-release" : root + "/etc/os-release";
  std::ofstream(target) << os_release;
  if (symlink) must_run("ln -s ../usr/lib/os-release " + root + "/etc/os-release");
  return root;
}

// Copies a filesystem made in its own file to `mib` MiB into the image.
void place(const std::string& fs_file, const std::string& image, uint64_t mib) {
  must_run("dd if=" + fs_file + " of=" + image + " bs=1M seek=" + std::to_string(mib) +
           " conv=notrunc,sparse status=none");
}

}  // namespace

std::string gpt_debian(const TempDir& dir) {
  const std::string img = dir.file("gpt-debian.img");
  must_run("truncate -s 50M " + img);
  must_run(
      "sgdisk -n1:1M:+8M -t1:ef00 -c1:EFI -n2:9M:+32M -t2:8300 -c2:root -n3:41M:+8M -t3:8200 " +
      img + " >/dev/null");
  must_run("mkfs.fat -F 32 -n ESP --offset 2048 " + img + " 8192 >/dev/null 2>&1");
  const std::string root = root_tree(dir, "debian-root", kDebian12, true);
  must_run("mkfs.ext4 -q -F -L root -E offset=" + std::to_string(9 * kMiB) + " -d " + root + " " +
           img + " 32M");
  const std::string swap = dir.file("swap.img");
  must_run("truncate -s 8M " + swap + " && mkswap -L swp " + swap + " >/dev/null 2>&1");
  place(swap, img, 41);
  return img;
}

std::string mbr_centos(const TempDir& dir) {
  const std::string img = dir.file("mbr-centos.img");
  must_run("truncate -s 64M " + img);
  must_run(
      "printf 'label: dos\\nstart=2048, size=40960, type=83, bootable\\n"
      "start=43008, size=81920, type=5\\nstart=45056, size=8192, type=82\\n"
      "start=55296, size=32768, type=83\\n' | sfdisk -q " +
      img);
  const std::string root = root_tree(dir, "centos-root", kCentos7, false);
  must_run("mkfs.ext4 -q -F -L root -E offset=" + std::to_string(kMiB) + " -d " + root + " " + img +
           " 20M");
  must_run("mkfs.ext3 -q -F -L data -E offset=" + std::to_string(27 * kMiB) + " " + img + " 16M");
  const std::string swap = dir.file("swap.img");
  must_run("truncate -s 4M " + swap + " && mkswap " + swap + " >/dev/null 2>&1");
  place(swap, img, 22);
  return img;
}

std::string mbr_windows(const TempDir& dir) {
  const std::string img = dir.file("mbr-windows.img");
  must_run("truncate -s 32M " + img);
  must_run("printf 'label: dos\\nstart=2048, size=61440, type=7, bootable\\n' | sfdisk -q " + img);
  const std::string ntfs = dir.file("ntfs.img");
  must_run("truncate -s 30M " + ntfs + " && mkntfs -F -Q -q -L Windows -p 2048 " + ntfs +
           " >/dev/null 2>&1");
  place(ntfs, img, 1);
  return img;
}

std::string whole_disk(const TempDir& dir, const std::string& mkfs) {
  const std::string img = dir.file("whole-" + mkfs + ".img");
  if (mkfs == "xfs") {
    must_run("truncate -s 300M " + img + " && mkfs.xfs -q -f -L xdata " + img);
    return img;
  }
  if (mkfs == "vfat") {
    must_run("truncate -s 16M " + img + " && mkfs.fat -n WHOLE " + img + " >/dev/null");
    return img;
  }
  std::string extra;
  if (mkfs == "ext4") extra = " -d " + root_tree(dir, "whole-root", kDebian12, true);
  must_run("truncate -s 16M " + img + " && mkfs." + mkfs + " -q -F -L whole" + extra + " " + img);
  return img;
}

std::string garbage(const TempDir& dir) {
  const std::string img = dir.file("garbage.img");
  std::mt19937_64 rng(7);
  std::vector<uint64_t> words(kMiB / 8);
  std::ofstream out(img, std::ios::binary);
  for (int i = 0; i < 8; ++i) {
    for (auto& w : words) w = rng();
    out.write(reinterpret_cast<const char*>(words.data()), static_cast<std::streamsize>(kMiB));
  }
  return img;
}

void clobber(const std::string& path, uint64_t offset, uint64_t length) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  f.seekp(static_cast<std::streamoff>(offset));
  const std::vector<char> ff(length, static_cast<char>(0xff));
  f.write(ff.data(), static_cast<std::streamsize>(length));
}

}  // namespace mm::test::images
