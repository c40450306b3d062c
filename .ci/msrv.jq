# The declared rust-version of sopflow against the highest rust-version of the
# packages in Cargo.lock (from `cargo metadata --locked`).
def v: split(".") | map(tonumber) | (. + [0, 0, 0])[0:3];
def s: map(tostring) | join(".");
(.packages[] | select(.name == "sopflow") | .rust_version) as $declared
| [.packages[] | select(.name != "sopflow" and .rust_version != null)] as $deps
| ($deps | map(.rust_version | v) | max) as $needed
| ([$deps[] | select((.rust_version | v) == $needed) | "\(.name) \(.version)"] | join(", ")) as $by
| if ($declared | v) < $needed
  then "rust-version is \($declared), but the locked dependencies need \($needed | s) (\($by))\n" | halt_error(1)
  else "rust-version \($declared); the locked dependencies need \($needed | s) (\($by))"
  end
