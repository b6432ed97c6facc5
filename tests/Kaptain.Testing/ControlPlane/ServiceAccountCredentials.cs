namespace Kaptain.Testing.ControlPlane;

/// <summary>What a test gets for a ServiceAccount: its bearer token and a kubeconfig that uses it.</summary>
/// <param name="Token">The token (from the TokenRequest API).</param>
/// <param name="KubeconfigYaml">A kubeconfig for the account, its namespace as the context's namespace.</param>
public sealed record ServiceAccountCredentials(string Token, string KubeconfigYaml);
