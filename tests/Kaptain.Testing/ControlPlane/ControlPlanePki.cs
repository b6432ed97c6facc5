using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Kaptain.Testing.ControlPlane;

/// <summary>
/// The key material of a control plane, as <c>../shared/envtest/start.sh</c> makes it with openssl: a CA, the API
/// server's serving certificate for 127.0.0.1 and the in-cluster service names, the service-account signing key pair
/// and the static token file.
/// </summary>
internal sealed class ControlPlanePki
{
    private ControlPlanePki(string directory, string adminToken, string controllerManagerToken, byte[] caCertificate)
    {
        Directory = directory;
        AdminToken = adminToken;
        ControllerManagerToken = controllerManagerToken;
        CaCertificate = caCertificate;
    }

    public string Directory { get; }

    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    public string ServingCertificatePath => Path.Combine(Directory, "apiserver.crt");

    public string ServingKeyPath => Path.Combine(Directory, "apiserver.key");

    public string ServiceAccountKeyPath => Path.Combine(Directory, "sa.key");

    public string ServiceAccountPublicKeyPath => Path.Combine(Directory, "sa.pub");

    public string TokenFilePath => Path.Combine(Directory, "tokens.csv");

    /// <summary>A <c>system:masters</c> token.</summary>
    public string AdminToken { get; }

    /// <summary>The token of <c>system:kube-controller-manager</c>.</summary>
    public string ControllerManagerToken { get; }

    /// <summary>The CA certificate (DER).</summary>
    public byte[] CaCertificate { get; }

    public static ControlPlanePki Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=envtest-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddYears(10));

        using var servingKey = RSA.Create(2048);
        var servingRequest = new CertificateRequest("CN=kube-apiserver", servingKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        servingRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        servingRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        servingRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        foreach (var dns in new[] { "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local" })
        {
            names.AddDnsName(dns);
        }

        servingRequest.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var serving = servingRequest.Create(ca, now, now.AddYears(10), serial);

        using var serviceAccountKey = RSA.Create(2048);
        var pki = new ControlPlanePki(directory, RandomToken(), RandomToken(), ca.RawData);
        WritePrivate(Path.Combine(directory, "ca.key"), caKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pki.CaCertificatePath, ca.ExportCertificatePem() + "\n");
        WritePrivate(pki.ServingKeyPath, servingKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(pki.ServingCertificatePath, serving.ExportCertificatePem() + "\n");
        WritePrivate(pki.ServiceAccountKeyPath, serviceAccountKey.ExportRSAPrivateKeyPem());
        File.WriteAllText(pki.ServiceAccountPublicKeyPath, serviceAccountKey.ExportSubjectPublicKeyInfoPem() + "\n");

        // token,user,uid,"group1,group2" (kube-apiserver --token-auth-file)
        WritePrivate(pki.TokenFilePath,
            $"{pki.AdminToken},admin,admin-uid,\"system:masters\"\n" +
            $"{pki.ControllerManagerToken},system:kube-controller-manager,kcm-uid\n");
        return pki;
    }

    /// <summary>Whether <paramref name="certificate"/> was issued by this CA (the HTTPS validation of test clients).</summary>
    public bool Issued(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var root = X509CertificateLoader.LoadCertificate(CaCertificate);
        chain.ChainPolicy.CustomTrustStore.Add(root);
        return chain.Build(certificate);
    }

    private static string RandomToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static void WritePrivate(string path, string text)
    {
        File.WriteAllText(path, text + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
