using Kaptain.Build.Model;
using static Kaptain.Build.Validation.DiagnosticCodes;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>Reads <see cref="ClusterSettings"/>: kubeconfig, context, namespace and the cleanup switches.</summary>
internal sealed class ClusterSettingsParser(ModelParseContext context)
{
    internal ClusterSettings Parse()
    {
        var ns = context.Value(P.Namespace);
        if (ns is not null && !KubernetesNames.IsDns1123Label(ns))
        {
            context.Error(InvalidKubernetesName, P.Namespace, P.Namespace, ns, "an RFC 1123 label (lowercase letters, digits and '-', at most 63 characters)");
        }

        var kubeconfig = context.Value(P.Kubeconfig);
        return new ClusterSettings(
            kubeconfig is null ? null : context.FullPath(kubeconfig),
            context.Value(P.KubeContext),
            ns,
            context.BooleanOrEnvironment(P.ForceCleanup, "KAPTAIN_SDK_FORCE_CLEANUP"),
            context.Boolean(P.KeepFailedResources),
            context.Boolean(P.CreateNamespace));
    }
}
