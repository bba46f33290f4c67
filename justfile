# Mirrors the README; just is never required.

# Build the example report (reports/2024/out/rapport.html)
example:
    cargo run -- build reports/2024

# Run the tests
test:
    cargo test --workspace

# What CI runs
ci:
    bash .ci/run
