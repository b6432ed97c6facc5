using k8s;
using k8s.Models;
using Kaptain.Build.Model;

namespace Kaptain.Build.Manifests;

/// <summary>The resources one lifecycle step creates, in the order they are created.</summary>
/// <param name="Step">The step.</param>
/// <param name="Resources">The resources: built-in kinds as KubernetesClient models (<c>V1Secret</c>, <c>V1ServiceAccount</c>, <c>V1Job</c>), custom kinds as <see cref="CustomResource"/>.</param>
public sealed record StepManifests(LifecycleStep Step, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Resources)
{
    /// <summary>The one resource of kind <typeparamref name="T"/> (for example the <c>V1Job</c>).</summary>
    public T Single<T>() where T : IKubernetesObject<V1ObjectMeta> => Resources.OfType<T>().Single();

    /// <summary>The one custom resource of <paramref name="kind"/> (for example <c>TFJob</c>).</summary>
    public CustomResource Custom(string kind) => Resources.OfType<CustomResource>().Single(r => r.Kind == kind);
}
