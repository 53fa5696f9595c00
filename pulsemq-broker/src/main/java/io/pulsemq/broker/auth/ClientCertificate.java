package io.pulsemq.broker.auth;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the broker uses of the certificate a client presented in its TLS handshake (the first of its chain, trusted
 * by {@code tls.caFile}).
 *
 * @param serialHex  the serial number, lower-case hex: the {@code certificateChainSn} of events and status
 * @param commonName the subject's CN (the most specific one when there are several), or null
 * @param dnsNames   the DNS names of its subject alternative names, in certificate order
 */
public record ClientCertificate(String serialHex, String commonName, List<String> dnsNames) {

    /** Subject alternative name type of a {@code dNSName} (RFC 5280 4.2.1.6). */
    private static final int DNS_NAME = 2;

    public ClientCertificate {
        dnsNames = List.copyOf(dnsNames);
    }

    /** The serial, CN and DNS names of {@code certificate}; names it cannot parse are left out. */
    public static ClientCertificate of(X509Certificate certificate) {
        return new ClientCertificate(certificate.getSerialNumber().toString(16),
                commonName(certificate.getSubjectX500Principal()), dnsNames(certificate));
    }

    /** Whether its CN or one of its DNS names is exactly {@code name}. */
    public boolean names(String name) {
        return name.equals(commonName) || dnsNames.contains(name);
    }

    private static String commonName(X500Principal subject) {
        try {
            String cn = null;
            // LdapName lists RDNs from the least to the most specific: the last CN wins
            for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType()) && rdn.getValue() instanceof String value) {
                    cn = value;
                }
            }
            return cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }

    private static List<String> dnsNames(X509Certificate certificate) {
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            List<String> names = new ArrayList<>();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && san.get(0) instanceof Integer type && type == DNS_NAME
                            && san.get(1) instanceof String name) {
                        names.add(name);
                    }
                }
            }
            return names;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
