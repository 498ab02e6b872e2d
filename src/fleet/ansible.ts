/**
 * `regcert fleet ansible`: the install-trust plan as an Ansible playbook (and a role under --out).
 * Only ansible.builtin modules: stat, assert, file, copy (inline content, no templates), find, debug,
 * command (handlers), import_role. The plan is data (vars); a few looping tasks apply it, so the
 * playbook grows linearly with the fleet and every value stays data:
 * - every planned string is `!unsafe` (a `{{` in a CA subject is never evaluated by Jinja);
 * - `regcert_root` (inventory or -e; default `/`) prefixes every path, so a test can use a directory;
 * - like install-trust, before anything is written: required directories must exist, no link at or
 *   below a certs.d directory, and a file with content regcert did not write is refused unless
 *   `regcert_force=true`; missing directories are created 0755, files get install-trust's modes;
 * - handlers run only what install-trust runs: update-ca-certificates / update-ca-trust (when
 *   regcert_root is / and regcert_refresh is true, the default); restarts of k3s / microk8s only with
 *   `regcert_restart=true` (install-trust only prints them);
 * - uninstall deletes a file only when its SHA-256 is one regcert writes for this plan, then the
 *   directories of the plan that hold nothing but other directories of the plan (deepest first).
 * Check mode works (nothing is written; directory removal is then not predicted). A second run reports
 * changed=0.
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import type { TrustPlan } from "../trust/types.js";
import { commentText, lazyFile, streamedRendering, type FleetFile, type FleetRendering } from "./output.js";
import { quote, unsafe, unsafeBlock } from "./yaml-text.js";

export const ROLE_NAME = "regcert_trust";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");
/** fn, remembering its result for each argument (for values repeated thousands of times). */
function remembered(fn: (text: string) => string): (text: string) => string {
  const seen = new Map<string, string>();
  return (text) => {
    let out = seen.get(text);
    if (out === undefined) {
      out = fn(text);
      seen.set(text, out);
    }
    return out;
  };
}

const isUnder = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/** The play's data, as YAML mapping entries at `indent`, line by line (each piece ends in a newline) to `push`. */
function dataVars(plan: TrustPlan, indent: number, push: (text: string) => void): void {
  const p = " ".repeat(indent);
  push(`${p}regcert_prefix: "{{ (regcert_root | default('/')) | regex_replace('/+$', '') }}"\n`);
  push(`${p}regcert_directory_paths: "{{ [regcert_prefix] | product(regcert_directories | map(attribute='path')) | map('join') | list }}"\n`);
  push(`${p}regcert_cas:\n`);
  for (const ca of plan.cas) push(`${p}  - subject: ${unsafe(ca.commonName ?? "")}\n${p}    sha256: ${quote(ca.fingerprint)}\n${p}    not_after: ${quote(ca.notAfter.toISOString())}\n`);
  // 10,000 registries plan 40,000 files sharing a handful of contents, targets and modes: each
  // distinct value is hashed and quoted once (remembered by value)
  const contentKey = new Map<string, string>();
  push(`${p}regcert_contents:\n`);
  for (const file of plan.files) {
    if (contentKey.has(file.contents)) continue;
    const key = `c${contentKey.size}`;
    contentKey.set(file.contents, key);
    push(`${p}  ${key}: ${unsafeBlock(file.contents, indent + 4)}\n`);
  }
  const quoted = remembered(quote);
  const hashed = remembered((text: string) => quote(sha256(text)));
  const modeOf = (mode: number) => quoted(`0${mode.toString(8)}`);
  push(`${p}regcert_files:${plan.files.length === 0 ? " []" : ""}\n`);
  for (const file of plan.files) {
    let accept = hashed(file.contents);
    const alternatives = file.alternatives;
    if (alternatives && alternatives.length > 0) {
      // the distinct hashes in order (a handful: a loop, not a Set per file)
      const seen = [accept];
      for (const alternative of alternatives) {
        const hash = hashed(alternative);
        if (!seen.includes(hash)) seen.push(hash);
      }
      accept = seen.join(", ");
    }
    push(`${p}  - path: ${unsafe(file.path)}\n${p}    target: ${quoted(file.target)}\n${p}    content: ${contentKey.get(file.contents)}\n${p}    mode: ${modeOf(file.mode)}\n${p}    accept: [${accept}]\n`);
    if (file.ownership === "merge") push(`${p}    hint: ${unsafe(`regcert merges its entries into this file: run regcert install-trust --target ${file.target} (with --uninstall to remove them) on that host instead`)}\n`);
  }
  push(`${p}regcert_directories:${plan.directories.length === 0 ? " []" : ""}\n`);
  const guards = new Map<string, Set<string>>();
  for (const f of plan.files) {
    const set = guards.get(f.target);
    if (set) set.add(f.guard);
    else guards.set(f.target, new Set([f.guard]));
  }
  for (const dir of plan.directories) {
    let guarded = false;
    for (const guard of guards.get(dir.target) ?? []) if (isUnder(dir.path, guard)) guarded = true;
    push(`${p}  - path: ${unsafe(dir.path)}\n${p}    mode: ${modeOf(dir.mode)}\n${p}    guarded: ${guarded}\n`);
  }
  push(`${p}regcert_requires:${plan.requires.length === 0 ? " []" : ""}\n`);
  for (const req of plan.requires) push(`${p}  - path: ${unsafe(req.path)}\n${p}    message: ${unsafe(req.message)}\n${p}    hint: ${unsafe(req.hint)}\n`);
  push(`${p}regcert_has_secrets: ${plan.files.some((f) => f.role === "client-key")}\n`);
}

/** dataVars as one string (the role's vars/main.yml). */
function dataVarsText(plan: TrustPlan, indent: number): string {
  const parts: string[] = [];
  dataVars(plan, indent, (text) => parts.push(text));
  return parts.join("");
}

const CA_DEBUG = `- name: regcert | the CA certificates this play trusts
  ansible.builtin.debug:
    var: regcert_cas
    verbosity: 1
`;

const STAT_FILES = `- name: regcert | look at the planned files
  ansible.builtin.stat:
    path: "{{ regcert_prefix }}{{ item.path }}"
    follow: false
    get_checksum: true
    checksum_algorithm: sha256
  loop: "{{ regcert_files }}"
  loop_control:
    label: "{{ item.path }}"
  register: regcert_found
`;

const INSTALL_TASKS = `${CA_DEBUG}
- name: regcert | look at the directories that must exist
  ansible.builtin.stat:
    path: "{{ regcert_prefix }}{{ item.path }}"
  loop: "{{ regcert_requires }}"
  loop_control:
    label: "{{ item.path }}"
  register: regcert_required

- name: regcert | refuse when a runtime or store is missing
  ansible.builtin.assert:
    that: item.stat.exists and item.stat.isdir
    fail_msg: "{{ item.item.message }} under {{ regcert_prefix or '/' }}; {{ item.item.hint }}"
    quiet: true
  loop: "{{ regcert_required.results }}"
  loop_control:
    label: "{{ item.item.path }}"

${STAT_FILES}
- name: regcert | refuse links, non-files and content regcert did not write
  ansible.builtin.assert:
    that:
      - not item.stat.exists or (item.stat.isreg and not item.stat.islnk)
      - not item.stat.exists or item.stat.checksum in item.item.accept or (regcert_force | default(false) | bool)
    fail_msg: "{{ regcert_prefix }}{{ item.item.path }} exists and is not a regular file with content regcert wrote; {{ item.item.hint | default('look at it, then re-run with -e regcert_force=true to replace it (links are never replaced)') }}"
    quiet: true
  loop: "{{ regcert_found.results }}"
  loop_control:
    label: "{{ item.item.path }}"

- name: regcert | look at the directories
  ansible.builtin.stat:
    path: "{{ regcert_prefix }}{{ item.path }}"
    follow: false
  loop: "{{ regcert_directories }}"
  loop_control:
    label: "{{ item.path }}"
  register: regcert_dirs

- name: regcert | refuse links at or below a certs.d directory
  ansible.builtin.assert:
    that: not item.stat.exists or item.stat.isdir or (item.stat.islnk and not item.item.guarded)
    fail_msg: "{{ regcert_prefix }}{{ item.item.path }} is a link or not a directory; regcert does not write through links: replace it with a real directory"
    quiet: true
  loop: "{{ regcert_dirs.results }}"
  loop_control:
    label: "{{ item.item.path }}"

- name: regcert | create the missing directories
  ansible.builtin.file:
    path: "{{ regcert_prefix }}{{ item.item.path }}"
    state: directory
    mode: "{{ item.item.mode }}"
  loop: "{{ regcert_dirs.results }}"
  loop_control:
    label: "{{ item.item.path }}"
  when: not item.stat.exists

# only what differs from the plan (content or mode) is copied: a second run makes no remote call here
- name: regcert | write the trust files
  ansible.builtin.copy:
    dest: "{{ regcert_prefix }}{{ item.item.path }}"
    content: "{{ regcert_contents[item.item.content] }}"
    mode: "{{ item.item.mode }}"
  loop: "{{ regcert_found.results }}"
  loop_control:
    label: "{{ item.item.path }}"
  when: not item.stat.exists or item.stat.checksum != item.item.accept[0] or item.stat.mode != item.item.mode
  no_log: "{{ regcert_has_secrets }}"
  diff: false
  register: regcert_written
  notify: regcert trust changed
`;

const UNINSTALL_TASKS = `${CA_DEBUG}
${STAT_FILES}
- name: regcert | remove the files whose content is what regcert wrote
  ansible.builtin.file:
    path: "{{ regcert_prefix }}{{ item.item.path }}"
    state: absent
  loop: "{{ regcert_found.results }}"
  loop_control:
    label: "{{ item.item.path }}"
  when: item.stat.exists and item.stat.isreg and not item.stat.islnk and item.stat.checksum in item.item.accept
  register: regcert_removed
  notify: regcert trust removed

- name: regcert | files left alone (their content is not what regcert wrote)
  ansible.builtin.debug:
    msg: "left {{ regcert_prefix }}{{ item.item.path }} alone: {{ item.item.hint | default('its content is not what regcert wrote (another CA, or edited by hand)') }}"
  loop: "{{ regcert_found.results }}"
  loop_control:
    label: "{{ item.item.path }}"
  when: item.stat.exists and not (item.stat.isreg and not item.stat.islnk and item.stat.checksum in item.item.accept)

- name: regcert | look at the directories, deepest first
  ansible.builtin.stat:
    path: "{{ regcert_prefix }}{{ item.path }}"
    follow: false
  loop: "{{ regcert_directories | reverse | list }}"
  loop_control:
    label: "{{ item.path }}"
  register: regcert_dirs

- name: regcert | what is left in them
  ansible.builtin.find:
    paths: "{{ regcert_prefix }}{{ item.item.path }}"
    file_type: any
    hidden: true
    recurse: true
  loop: "{{ regcert_dirs.results }}"
  loop_control:
    label: "{{ item.item.path }}"
  when: item.stat.exists and item.stat.isdir and not item.stat.islnk
  register: regcert_left

- name: regcert | remove the directories that hold nothing but directories regcert made
  ansible.builtin.file:
    path: "{{ regcert_prefix }}{{ item.item.item.path }}"
    state: absent
  loop: "{{ regcert_left.results }}"
  loop_control:
    label: "{{ item.item.item.path }}"
  when: not (item.skipped | default(false)) and (item.files | map(attribute='path') | difference(regcert_directory_paths) | length == 0)
`;

/** Handlers: the plan's refresh commands, run as install-trust runs them (see the module comment). */
function handlers(plan: TrustPlan): string {
  const out: string[] = [];
  for (const r of plan.refresh) {
    for (const [which, topic, register] of [["install", "regcert trust changed", "regcert_written"], ["uninstall", "regcert trust removed", "regcert_removed"]] as const) {
      const argv = which === "install" ? r.install : r.uninstall;
      const opt = r.run === "auto" ? "regcert_refresh | default(true) | bool" : "regcert_restart | default(false) | bool";
      out.push(
        `- name: ${quote(`regcert | ${argv.join(" ")} (${r.target}, after ${which})`)}`,
        `  ansible.builtin.command:`,
        `    argv: [${argv.map(unsafe).join(", ")}]`,
        `  listen: ${topic}`,
        `  changed_when: true`,
        `  when:`,
        ...(r.run === "auto" ? [`    - regcert_prefix == ''`] : []),
        `    - ${opt}`,
        `    - "'${r.target}' in (${register}.results | selectattr('changed') | map(attribute='item.item.target') | list)"`,
      );
    }
  }
  return out.length === 0 ? "[]\n" : `${out.join("\n")}\n`;
}

/** Every non-empty line indented by n spaces (one regular-expression pass). */
const indent = (text: string, n: number) => {
  const pad = " ".repeat(n);
  return (text.startsWith("\n") || text === "" ? "" : pad) + text.replace(/\n(?=[^\n])/g, `\n${pad}`);
};

function header(plan: TrustPlan, what: string): string {
  const hosts = plan.hosts.map((h) => h.hostPort);
  const shown = hosts.length <= 8 ? hosts.join(" ") : `${hosts.slice(0, 8).join(" ")} … (${hosts.length} in all)`;
  return [
    `# regcert fleet ansible: ${what}`,
    `# The files of: regcert install-trust --target ${plan.targets.join(",")} --host … (root regcert_root, default /)`,
    `# registries: ${commentText(shown)}`,
    ...plan.cas.map((c) => `# CA: ${commentText(c.commonName ?? "(no CN)")} sha256:${c.fingerprint}`),
    "# Variables: regcert_root (/), regcert_refresh (true: update-ca-certificates when root is /),",
    "#   regcert_restart (false: restart k3s / microk8s), regcert_force (false: replace foreign files),",
    "#   regcert_hosts (all: the inventory pattern to run on).",
    "",
  ].join("\n");
}

const PLAY_HEAD = (what: string) => `- name: ${quote(`regcert | trust for private registries (${what})`)}
  hosts: "{{ regcert_hosts | default('all') }}"
  gather_facts: false
`;

/** One self-contained playbook (install or uninstall). */
export function renderPlaybook(plan: TrustPlan, action: "install" | "uninstall"): string {
  const parts: string[] = [];
  playbookText(plan, action, (text) => parts.push(text));
  return parts.join("");
}

/** The playbook around the plan's data (written at the play's `vars:` indentation, 4), piece by piece to `push`. */
function playbookText(plan: TrustPlan, action: "install" | "uninstall", push: (text: string) => void): void {
  push(`${header(plan, action === "install" ? "install" : "uninstall (removes exactly what install wrote)")}---
${PLAY_HEAD(action)}  vars:
`);
  dataVars(plan, 4, push);
  push(`  tasks:
${indent(action === "install" ? INSTALL_TASKS : UNINSTALL_TASKS, 4)}  handlers:
${indent(handlers(plan), 4)}`);
}

/** The role layout for --out DIR: install.yml, uninstall.yml and roles/regcert_trust. */
export function renderAnsibleRole(plan: TrustPlan): FleetFile[] {
  return roleFiles(plan, () => dataVarsText(plan, 0));
}

/**
 * The role's files; vars/main.yml (the plan's data: megabytes for 10,000 hosts) is written when its
 * contents are first read, so `--out -`, which prints only the playbook, never builds it.
 */
function roleFiles(plan: TrustPlan, dataOf: () => string): FleetFile[] {
  const secret = plan.files.some((f) => f.role === "client-key");
  const role = (p: string) => posix.join("roles", ROLE_NAME, p);
  const playbook = (action: "install" | "uninstall") => `${header(plan, action)}---
${PLAY_HEAD(action)}  tasks:
    - name: regcert | ${action}
      ansible.builtin.import_role:
        name: ${ROLE_NAME}
        tasks_from: ${action}
`;
  return [
    { path: "install.yml", contents: playbook("install"), mode: 0o644 },
    { path: "uninstall.yml", contents: playbook("uninstall"), mode: 0o644 },
    {
      path: role("defaults/main.yml"),
      contents: `---\n# where the system tree is (/ on real hosts; a directory for tests and images)\nregcert_root: "/"\n# run update-ca-certificates / update-ca-trust when root is / (install-trust does)\nregcert_refresh: true\n# restart k3s / microk8s after a change (install-trust only prints these)\nregcert_restart: false\n# replace files at planned places whose content regcert did not write\nregcert_force: false\n`,
      mode: 0o644,
    },
    lazyFile(role("vars/main.yml"), secret ? 0o600 : 0o644, () => `${header(plan, "the plan (data only)")}---\n${dataOf()}`),
    { path: role("tasks/main.yml"), contents: `---\n- name: regcert | install\n  ansible.builtin.import_tasks: install.yml\n`, mode: 0o644 },
    { path: role("tasks/install.yml"), contents: `---\n${INSTALL_TASKS}`, mode: 0o644 },
    { path: role("tasks/uninstall.yml"), contents: `---\n${UNINSTALL_TASKS}`, mode: 0o644 },
    { path: role("handlers/main.yml"), contents: `---\n${handlers(plan)}`, mode: 0o644 },
  ];
}

export function renderAnsible(plan: TrustPlan, options: { uninstall?: boolean } = {}): FleetRendering {
  const secret = plan.files.some((f) => f.role === "client-key");
  const notes = [
    "ansible: ansible-playbook -i INVENTORY install.yml (regcert_root per host or -e regcert_root=DIR); uninstall.yml removes exactly what install.yml wrote",
    ...plan.notes,
  ];
  const warnings = [...plan.warnings];
  if (secret) warnings.push("the playbook holds the client private key: keep it (and roles/regcert_trust/vars/main.yml) private, or encrypt it with ansible-vault");
  // the playbook's data is written once at its indentation; the role's copy only if --out DIR reads it
  // the playbook (17 MB for 10,000 registries) is streamed to --out -; the role's data only if --out DIR reads it
  return streamedRendering({ files: roleFiles(plan, () => dataVarsText(plan, 0)), notes, warnings }, (push) => playbookText(plan, options.uninstall ? "uninstall" : "install", push));
}
