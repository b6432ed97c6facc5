using System.Security.Cryptography;

namespace Kaptain.LocalCluster.Simulation;

/// <summary>A blob of an OCI image (a config or a layer) with its media type and content digest.</summary>
internal sealed class OciBlob
{
    /// <summary>Creates the blob and computes its digest.</summary>
    public OciBlob(string mediaType, byte[] content)
    {
        MediaType = mediaType;
        Content = content;
        Digest = DigestOf(content);
    }

    /// <summary>The media type, e.g. <c>application/vnd.oci.image.layer.v1.tar+gzip</c>.</summary>
    public string MediaType { get; }

    /// <summary>The bytes.</summary>
    public byte[] Content { get; }

    /// <summary>The digest, <c>sha256:...</c>.</summary>
    public string Digest { get; }

    /// <summary>The <c>sha256:hex</c> digest of some bytes.</summary>
    public static string DigestOf(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
