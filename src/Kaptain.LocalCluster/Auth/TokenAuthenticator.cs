using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kaptain.LocalCluster.Api;
using Kaptain.LocalCluster.Storage;

namespace Kaptain.LocalCluster.Auth;

/// <summary>
/// Bearer-token authentication: the kubeconfig's token is the admin (as a <c>--token-auth-file</c> line in
/// <c>system:masters</c>), tokens this server issued (TokenRequest, token Secrets) are their ServiceAccount while it
/// exists with the same uid, no token is <c>system:anonymous</c>, and any other token is rejected (401).
/// Tokens are opaque random strings here, not signed JWTs (see ARCHITECTURE.md).
/// </summary>
public sealed class TokenAuthenticator(ObjectStore store, string adminToken)
{
    private readonly ConcurrentDictionary<string, IssuedToken> _issued = new(StringComparer.Ordinal);

    /// <summary>
    /// The user of an <c>Authorization</c> header value: <see cref="AuthenticatedUser.Anonymous"/> without one, null for
    /// a token this server does not know (the caller answers 401).
    /// </summary>
    public AuthenticatedUser? Authenticate(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization)) return AuthenticatedUser.Anonymous;
        const string Bearer = "Bearer ";
        if (!authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)) return null;
        var token = authorization[Bearer.Length..].Trim();
        if (token.Length == 0) return AuthenticatedUser.Anonymous;
        if (CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(token), System.Text.Encoding.UTF8.GetBytes(adminToken)))
            return AuthenticatedUser.Admin;
        if (!_issued.TryGetValue(token, out var issued)) return null;
        if (issued.Expires is { } expires && expires < DateTimeOffset.UtcNow) return null;
        var account = store.TryGet(BuiltInResources.ServiceAccount, issued.Namespace, issued.ServiceAccount);
        if (account is null || ObjectStore.Uid(account) != issued.ServiceAccountUid) return null;
        if (issued.SecretName is not null && store.TryGet(BuiltInResources.Secret, issued.Namespace, issued.SecretName) is null) return null;
        return AuthenticatedUser.ServiceAccount(issued.Namespace, issued.ServiceAccount);
    }

    /// <summary>Issues a token for a ServiceAccount (TokenRequest; a token Secret when <paramref name="secretName"/> is given).</summary>
    public string Issue(string ns, string serviceAccount, string serviceAccountUid, DateTimeOffset? expires, string? secretName = null)
    {
        var token = "kaptain-sa." + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _issued[token] = new IssuedToken(ns, serviceAccount, serviceAccountUid, expires, secretName);
        return token;
    }

    private sealed record IssuedToken(string Namespace, string ServiceAccount, string ServiceAccountUid, DateTimeOffset? Expires, string? SecretName);
}
