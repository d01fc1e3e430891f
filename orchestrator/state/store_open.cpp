// Opening a Store: the connection settings that make the state durable, then the schema.
#include <sys/stat.h>

#include <filesystem>

#include "orchestrator/state/schema.h"
#include "orchestrator/state/store.h"

namespace mm::state {
namespace {

void configure(Database& db) {
  // WAL: readers never block the writer and a crash mid-write leaves the last commit intact.
  // synchronous=FULL: a commit is on disk before the API answers, so even power loss keeps it.
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
  db.exec("PRAGMA foreign_keys=ON");
}

}  // namespace

Store::Store(std::unique_ptr<Database> db, SecretBox box) : db_(std::move(db)), box_(box) {}

std::unique_ptr<Store> Store::open_dir(const std::string& dir) {
  std::filesystem::create_directories(dir);
  // The state dir holds the key, the database and the daemon's private key: owner only.
  ::chmod(dir.c_str(), 0700);
  const std::string path = dir + "/state.db";
  auto db = std::make_unique<Database>(path);
  configure(*db);
  const int from = schema_version(*db);
  migrate(*db, path + ".v" + std::to_string(from) + ".backup");
  return std::make_unique<Store>(std::move(db), SecretBox::from_key_file(dir + "/secret.key"));
}

std::unique_ptr<Store> Store::in_memory() {
  auto db = std::make_unique<Database>(":memory:");
  db->exec("PRAGMA foreign_keys=ON");
  migrate(*db, "");
  return std::make_unique<Store>(std::move(db), SecretBox::ephemeral());
}

}  // namespace mm::state
