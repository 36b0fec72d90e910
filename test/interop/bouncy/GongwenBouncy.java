import java.io.File;
import java.io.FileReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.ess.ESSCertIDv2;
import org.bouncycastle.asn1.ess.SigningCertificateV2;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.IssuerSerial;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationStore;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.util.Store;

/**
 * A GongwenDesk client as a Java 公文 system would write it with Bouncy Castle, for the interop
 * test (issue 15): nothing of the project's code is involved. Commands:
 *
 *   sign CERT KEY PAYLOAD SIGNING_TIME OUT [--pss] [--sha1] [--no-signing-certificate]
 *       A detached CMS over PAYLOAD, written with CMSSignedData.getEncoded() (BC's default, BER).
 *       SHA256withRSA, or SHA256withRSAandMGF1 (RSASSA-PSS) with --pss, SHA1withRSA with --sha1.
 *       Signed attributes: BC's defaults (content-type, message-digest, CMS algorithm protection)
 *       and the profile's signing-time (SIGNING_TIME, ISO 8601) and signing-certificate-v2.
 *   countersign CERT KEY CMS SIGNING_TIME NOTE OUT [--no-signing-certificate]
 *       Countersigns the first SignerInfo of CMS (RFC 5652 11.4, BC's generateCounterSigners),
 *       with signing-time, signing-certificate-v2 and the 補簽 note; writes that SignerInfo (DER).
 *   verify DIR
 *       Checks an exported evidence folder: each step-N.p7s over step-N.payload, each
 *       countersignature over its signature value, each signer's chain to trust/*.pem, and the
 *       temp CA's CRL (trust/temp-ca.crl) for what it issued. Prints one line per check; exit 1
 *       at the first failure.
 */
public final class GongwenBouncy {
  /** The project's 補簽 note attribute (docs/integrating.md, section 7). */
  static final ASN1ObjectIdentifier RESIGN_NOTE = new ASN1ObjectIdentifier("2.25.148236149808349953054963097656526251520.2");

  public static void main(String[] args) throws Exception {
    Security.addProvider(new BouncyCastleProvider());
    List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
    Set<String> flags = new HashSet<>();
    rest.removeIf(a -> a.startsWith("--") && flags.add(a));
    switch (args[0]) {
      case "sign" -> sign(rest, flags);
      case "countersign" -> countersign(rest, flags);
      case "verify" -> System.exit(verify(Path.of(rest.get(0))) ? 0 : 1);
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  static void sign(List<String> a, Set<String> flags) throws Exception {
    X509CertificateHolder cert = readCertificate(a.get(0));
    byte[] payload = Files.readAllBytes(Path.of(a.get(2)));
    String algorithm = flags.contains("--pss") ? "SHA256withRSAandMGF1" : flags.contains("--sha1") ? "SHA1withRSA" : "SHA256withRSA";
    CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
    generator.addSignerInfoGenerator(signerInfoGenerator(algorithm, readKey(a.get(1)), cert, profileAttributes(cert, a.get(3), flags)));
    generator.addCertificates(new JcaCertStore(List.of(cert)));
    CMSSignedData signed = generator.generate(new CMSProcessableByteArray(payload), false);
    Files.write(Path.of(a.get(4)), signed.getEncoded());
  }

  static void countersign(List<String> a, Set<String> flags) throws Exception {
    X509CertificateHolder cert = readCertificate(a.get(0));
    CMSSignedData target = new CMSSignedData(Files.readAllBytes(Path.of(a.get(2))));
    SignerInformation signer = target.getSignerInfos().getSigners().iterator().next();
    ASN1EncodableVector attributes = profileAttributes(cert, a.get(3), flags);
    attributes.add(new Attribute(RESIGN_NOTE, new DERSet(new DERUTF8String(a.get(4)))));
    CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
    generator.addSignerInfoGenerator(signerInfoGenerator("SHA256withRSA", readKey(a.get(1)), cert, attributes));
    SignerInformationStore counters = generator.generateCounterSigners(signer);
    byte[] signerInfo = counters.getSigners().iterator().next().toASN1Structure().getEncoded(ASN1Encoding.DER);
    Files.write(Path.of(a.get(5)), signerInfo);
  }

  /** signing-time as given, and signing-certificate-v2 (SHA-256 of the certificate, its issuer and serial) unless told not to. */
  static ASN1EncodableVector profileAttributes(X509CertificateHolder cert, String signingTime, Set<String> flags) throws Exception {
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(new Attribute(CMSAttributes.signingTime, new DERSet(new Time(Date.from(Instant.parse(signingTime))))));
    if (!flags.contains("--no-signing-certificate")) {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      IssuerSerial issuerSerial = new IssuerSerial(new GeneralNames(new GeneralName(cert.getIssuer())), cert.getSerialNumber());
      SigningCertificateV2 reference = new SigningCertificateV2(new ESSCertIDv2[] {new ESSCertIDv2(hash, issuerSerial)});
      v.add(new Attribute(PKCSObjectIdentifiers.id_aa_signingCertificateV2, new DERSet(reference)));
    }
    return v;
  }

  static SignerInfoGenerator signerInfoGenerator(String algorithm, PrivateKey key, X509CertificateHolder cert, ASN1EncodableVector attributes)
      throws Exception {
    ContentSigner contentSigner = new JcaContentSignerBuilder(algorithm).setProvider("BC").build(key);
    return new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().setProvider("BC").build())
        .setSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new AttributeTable(attributes)))
        .build(contentSigner, cert);
  }

  static boolean verify(Path dir) throws Exception {
    List<X509Certificate> anchors = new ArrayList<>();
    for (File f : dir.resolve("trust").toFile().listFiles((d, n) -> n.endsWith(".pem"))) anchors.addAll(readCertificates(f));
    X509CRL tempCaCrl = null;
    Path crlFile = dir.resolve("trust/temp-ca.crl");
    if (Files.exists(crlFile)) tempCaCrl = new JcaX509CRLConverter().setProvider("BC").getCRL(new X509CRLHolder(Files.readAllBytes(crlFile)));
    File[] steps = dir.toFile().listFiles((d, n) -> n.matches("step-\\d+\\.p7s"));
    Arrays.sort(steps);
    if (steps.length == 0) return fail("no step-N.p7s in " + dir);
    for (File step : steps) {
      String name = step.getName();
      byte[] payload = Files.readAllBytes(dir.resolve(name.replace(".p7s", ".payload")));
      CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(payload), Files.readAllBytes(step.toPath()));
      Store<X509CertificateHolder> carried = signed.getCertificates();
      for (SignerInformation signer : signed.getSignerInfos().getSigners()) {
        X509CertificateHolder cert = certificateOf(carried, signer);
        if (!verifies(signer, cert)) return fail(name + ": signature does not verify");
        if (!chainChecks(name, cert, carried, anchors, tempCaCrl)) return false;
        System.out.println(name + ": signature verified, " + cert.getSubject() + ", " + signer.getEncryptionAlgOID());
        for (SignerInformation counter : signer.getCounterSignatures().getSigners()) {
          X509CertificateHolder counterCert = certificateOf(carried, counter);
          if (!verifies(counter, counterCert)) return fail(name + ": countersignature does not verify");
          if (!chainChecks(name, counterCert, carried, anchors, tempCaCrl)) return false;
          String note = noteOf(counter);
          System.out.println(name + ": countersignature verified, " + counterCert.getSubject() + ", note " + note);
        }
      }
    }
    return true;
  }

  /** A PKIX path from the signer's certificate to a trust anchor of the evidence (no revocation: the evidence checks what it has, below). */
  static boolean chainChecks(String name, X509CertificateHolder cert, Store<X509CertificateHolder> carried, List<X509Certificate> anchors, X509CRL tempCaCrl)
      throws Exception {
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter().setProvider("BC");
    X509Certificate leaf = converter.getCertificate(cert);
    Set<TrustAnchor> trust = new HashSet<>();
    for (X509Certificate anchor : anchors) trust.add(new TrustAnchor(anchor, null));
    X509CertSelector target = new X509CertSelector();
    target.setCertificate(leaf);
    PKIXBuilderParameters parameters = new PKIXBuilderParameters(trust, target);
    parameters.setRevocationEnabled(false);
    List<X509Certificate> intermediates = new ArrayList<>();
    for (X509CertificateHolder h : carried.getMatches(null)) intermediates.add(converter.getCertificate(h));
    parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(intermediates), "BC"));
    PKIXCertPathBuilderResult path;
    try {
      path = (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX", "BC").build(parameters);
    } catch (Exception e) {
      return fail(name + ": no path from " + cert.getSubject() + " to trust/: " + e.getMessage());
    }
    X509Certificate anchor = path.getTrustAnchor().getTrustedCert();
    if (tempCaCrl != null && tempCaCrl.getIssuerX500Principal().equals(leaf.getIssuerX500Principal())) {
      tempCaCrl.verify(anchor.getPublicKey(), "BC");
      if (tempCaCrl.isRevoked(leaf)) return fail(name + ": " + cert.getSubject() + " is revoked by trust/temp-ca.crl");
      System.out.println(name + ": " + cert.getSubject() + " not revoked by trust/temp-ca.crl (signed by " + anchor.getSubjectX500Principal() + ")");
    }
    System.out.println(name + ": chain of " + cert.getSubject() + " to " + anchor.getSubjectX500Principal());
    return true;
  }

  /** BC's SignerInformation.verify: the message-digest (content, or the countersigned value) and the signature; a mismatch throws. */
  static boolean verifies(SignerInformation signer, X509CertificateHolder cert) {
    if (cert == null) return false;
    try {
      return signer.verify(new JcaSimpleSignerInfoVerifierBuilder().setProvider("BC").build(cert));
    } catch (Exception e) {
      System.out.println("  (" + e.getMessage() + ")");
      return false;
    }
  }

  static X509CertificateHolder certificateOf(Store<X509CertificateHolder> carried, SignerInformation signer) {
    @SuppressWarnings("unchecked")
    Collection<X509CertificateHolder> matches = carried.getMatches(signer.getSID());
    return matches.isEmpty() ? null : matches.iterator().next();
  }

  static String noteOf(SignerInformation counter) {
    Attribute note = counter.getSignedAttributes() == null ? null : counter.getSignedAttributes().get(RESIGN_NOTE);
    return note == null ? "(none)" : ASN1UTF8String.getInstance(note.getAttrValues().getObjectAt(0)).getString();
  }

  static boolean fail(String message) {
    System.out.println("FAILED " + message);
    return false;
  }

  static X509CertificateHolder readCertificate(String path) throws Exception {
    try (PEMParser parser = new PEMParser(new FileReader(path, StandardCharsets.US_ASCII))) {
      return (X509CertificateHolder) parser.readObject();
    }
  }

  static List<X509Certificate> readCertificates(File file) throws Exception {
    List<X509Certificate> out = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter().setProvider("BC");
    try (PEMParser parser = new PEMParser(new FileReader(file, StandardCharsets.US_ASCII))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject())
        if (o instanceof X509CertificateHolder h) out.add(converter.getCertificate(h));
    }
    return out;
  }

  static PrivateKey readKey(String path) throws Exception {
    try (PEMParser parser = new PEMParser(new FileReader(path, StandardCharsets.US_ASCII))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider("BC");
      if (o instanceof PEMKeyPair pair) return converter.getKeyPair(pair).getPrivate();
      return converter.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) o);
    }
  }
}
