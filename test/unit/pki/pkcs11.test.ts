/**
 * RFC 7512 URIs (parse, record without the PIN) and the optional binding: without pkcs11js, --pkcs11
 * is a user error (exit 2) whose hint is the install line. Tokens themselves: test/e2e/pkcs11.e2e.test.ts.
 */
import { formatPkcs11Uri, parsePkcs11Uri } from "../../../src/pki/pkcs11-uri.js";
import { loadPkcs11Binding, PKCS11_INSTALL_LINE } from "../../../src/pkcs11/token.js";
import { RegcertError } from "../../../src/pki/errors.js";

describe("parsePkcs11Uri", () => {
  test("RFC 7512 §3 examples: path and query attributes, percent-encoding, raw id bytes", () => {
    const uri = parsePkcs11Uri("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=private;id=%69%95%3E%5C%F4%BD%EC%91?pin-source=file:/etc/token&module-path=/usr/lib/softhsm/libsofthsm2.so");
    expect(uri.token).toBe("The Software PKCS#11 Softtoken");
    expect(uri.manufacturer).toBe("Snake Oil, Inc.");
    expect(uri.object).toBe("my-certificate");
    expect(Buffer.from(uri.id as Uint8Array).toString("hex")).toBe("69953e5cf4bdec91");
    expect(uri.pinSource).toBe("file:/etc/token");
    expect(uri.modulePath).toBe("/usr/lib/softhsm/libsofthsm2.so");
  });

  test("the recorded URI keeps token, object, id and pin-source, never pin-value or the module", () => {
    const uri = parsePkcs11Uri("pkcs11:token=regcert;object=ca%20key?pin-value=123456&pin-source=/run/pin&module-path=/x.so");
    expect(uri.pinValue).toBe("123456");
    const recorded = formatPkcs11Uri({ ...uri, pinValue: undefined, id: Uint8Array.of(1, 0xab) });
    expect(recorded).toBe("pkcs11:token=regcert;object=ca%20key;id=%01%AB;type=private?pin-source=%2Frun%2Fpin");
    expect(recorded).not.toContain("123456");
    const again = parsePkcs11Uri(recorded);
    expect(again.object).toBe("ca key");
    expect(again.pinSource).toBe("/run/pin");
  });

  test.each([
    ["token=x;object=y", /must start with pkcs11:/],
    ["pkcs11:token=x", /names no key/],
    ["pkcs11:token=x;object=y;object=z", /object is given twice/],
    ["pkcs11:token=x;object=%zz", /bad percent-encoding/],
    ["pkcs11:token=x;object=y;type=cert", /type=cert: a CA key is type=private/],
    ["pkcs11:token=x;object=y;pin-source=/p", /pin-source belongs in the query/],
  ])("refuses %s", (text, why) => {
    let error: unknown;
    try {
      parsePkcs11Uri(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegcertError);
    expect((error as RegcertError).exitCode).toBe(2);
    expect((error as RegcertError).message).toMatch(why);
    expect((error as RegcertError).hint).toMatch(/pkcs11:token=/);
  });
});

test("a missing pkcs11js binding: exit 2, the install line as the hint", () => {
  const missing = () => {
    throw Object.assign(new Error("Cannot find module 'pkcs11js'"), { code: "MODULE_NOT_FOUND" });
  };
  let error: unknown;
  try {
    loadPkcs11Binding(missing);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RegcertError);
  expect((error as RegcertError).exitCode).toBe(2);
  expect((error as RegcertError).message).toMatch(/optional PKCS#11 binding \(pkcs11js\)/);
  expect((error as RegcertError).hint).toBe(PKCS11_INSTALL_LINE);
  expect(PKCS11_INSTALL_LINE).toMatch(/^npm install pkcs11js/);
});
