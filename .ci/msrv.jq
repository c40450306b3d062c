# For each workspace member: its declared rust-version against the highest
# rust-version among the packages it depends on (transitively, all kinds of
# dependency, every platform), from `cargo metadata --locked`. The core and the
# runtime have different dependencies, so each is held to its own.
def v: split(".") | map(tonumber) | (. + [0, 0, 0])[0:3];
def s: map(tostring) | join(".");
(.packages | map({key: .id, value: .}) | from_entries) as $pkg
| (.resolve.nodes | map({key: .id, value: .dependencies}) | from_entries) as $deps
| def closure($start):
    {seen: {}, todo: [$start]}
    | until(.todo | length == 0;
        .todo[0] as $id | .todo |= .[1:]
        | if .seen[$id] then . else .seen[$id] = true | .todo += ($deps[$id] // []) end)
    | .seen | keys;
[ .workspace_members[] as $member
  | $pkg[$member] as $me
  | [closure($member)[] | select(. != $member) | $pkg[.] | select(.rust_version != null)] as $used
  | ($used | map(.rust_version | v) | max) as $needed
  | ([$used[] | select((.rust_version | v) == $needed) | "\(.name) \(.version)"] | join(", ")) as $by
  | if $needed == null then "\($me.name): no dependency declares a rust-version"
    elif ($me.rust_version // "0") | v < $needed
    then "\($me.name): rust-version is \($me.rust_version), but its locked dependencies need \($needed | s) (\($by))\n" | halt_error(1)
    else "\($me.name): rust-version \($me.rust_version); its locked dependencies need \($needed | s) (\($by))"
    end
] | .[]
