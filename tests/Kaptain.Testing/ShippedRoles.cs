using System.Text.Json.Nodes;
using Kaptain.LocalCluster.Json;

namespace Kaptain.Testing;

/// <summary>
/// The Roles Kaptain.Build ships (<c>samples/rbac/kaptain-build-role.yaml</c>, one per lifecycle step), read as a user
/// applies them: the tests on the real control plane run every build under a ServiceAccount bound to these and nothing
/// else, so that a request the Roles do not grant is a 403 there.
/// </summary>
public static class ShippedRoles
{
    /// <summary>The ServiceAccount the lifecycle tests' builds run as (one per test namespace).</summary>
    public const string AccountName = "kaptain-build";

    /// <summary>The file.</summary>
    public static string File => RepositoryPaths.Combine("samples", "rbac", "kaptain-build-role.yaml");

    /// <summary>The names of the Roles.</summary>
    public static IReadOnlySet<string> Names { get; } = Load().Select(r => r["metadata"]!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The Roles of the file (its example RoleBinding left out), fresh copies on every call.</summary>
    public static IReadOnlyList<JsonObject> Load() =>
        [.. YamlToJson.ParseDocuments(System.IO.File.ReadAllText(File)).OfType<JsonObject>().Where(d => d["kind"]?.GetValue<string>() == "Role")];
}
