import pkcs11js from 'pkcs11js';

// The baseline of the re-sign benchmark: a bare pkcs11js C_Sign loop on the same token, in its own
// process (a PKCS#11 library's state is per process). Prints signatures per second.
const [modulePath, pin, seconds = '3'] = process.argv.slice(2) as [string, string, string?];
const api = new pkcs11js.PKCS11();
api.load(modulePath);
api.C_Initialize();
const slot = api.C_GetSlotList(true)[0]!;
const session = api.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
api.C_Login(session, pkcs11js.CKU_USER, pin);
api.C_FindObjectsInit(session, [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  { type: pkcs11js.CKA_LABEL, value: 'SIGN' },
]);
const [key] = api.C_FindObjects(session, 1);
api.C_FindObjectsFinal(session);
const data = Buffer.alloc(200, 7); // about the size of a CMS signed-attributes block
const out = Buffer.alloc(256);
const sign = () => {
  api.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, key!);
  api.C_Sign(session, data, out);
};
for (let i = 0; i < 50; i++) sign();
let n = 0;
const start = performance.now();
const end = start + Number(seconds) * 1000;
while (performance.now() < end) {
  sign();
  n++;
}
console.log(JSON.stringify({ rate: (n * 1000) / (performance.now() - start) }));
api.C_Logout(session);
api.C_Finalize();
