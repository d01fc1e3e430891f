# Thin wrappers over scripts/ so that `make demo` and `make test` work as the README says.
.PHONY: all build demo test test-sanitize fuzz deps format clean
all: build
deps:
	./scripts/install-deps.sh
build: deps
	./scripts/build.sh release
demo:
	./scripts/run-demo
test:
	./scripts/run-tests
test-sanitize:
	./scripts/run-tests --sanitize
fuzz: deps
	./scripts/build.sh fuzz
format:
	find transfer cbt orchestrator cli bench fuzz tests -name '*.cpp' -o -name '*.h' | xargs clang-format -i
clean:
	rm -rf build build-sanitize build-fuzz
