namespace Kaptain.Build.Model;

/// <summary>The KServe deployment mode (<c>KaptainDeploymentMode</c>).</summary>
public enum DeploymentMode
{
    /// <summary>Knative-based serving that scales with requests (KServe's default).</summary>
    Serverless,

    /// <summary>Plain Deployments; rendered as the annotation <c>serving.kserve.io/deploymentMode: RawDeployment</c>.</summary>
    RawDeployment,
}
