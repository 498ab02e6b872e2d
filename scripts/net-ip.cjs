// isIPv4 / isIPv6 / isIP exactly as node:net answers them, for the CLI bundle (scripts/build.mjs): loading
// node:net only to classify an address string costs a few ms of start-up (net pulls in streams, tcp/pipe
// wraps and diagnostics). The regular expressions are Node's own (lib/internal/net.js, Node.js, MIT
// licence), unchanged since Node 12; test/unit/net-ip-shim.test.ts compares the three functions with
// node:net's on a corpus of valid and near-valid addresses. Everything else of node:net loads the real module.
"use strict";
const v4Seg = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`;
const IPv4Reg = new RegExp(`^${v4Str}$`);
const v6Seg = "(?:[0-9a-fA-F]{1,4})";
const IPv6Reg = new RegExp(
  "^(?:" +
    `(?:${v6Seg}:){7}(?:${v6Seg}|:)|` +
    `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|` +
    `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|` +
    `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|` +
    `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|` +
    `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|` +
    `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|` +
    `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))` +
    ")(?:%[0-9a-zA-Z-.:]{1,})?$",
);
const isIPv4 = (s) => IPv4Reg.test(s);
const isIPv6 = (s) => IPv6Reg.test(s);
const isIP = (s) => (isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0);
module.exports = { isIPv4, isIPv6, isIP };
