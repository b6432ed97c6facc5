// A Cake pipeline over a Kaptain model project: the model is defined once, in the project, and this script runs its
// lifecycle. Run it from the repository root:
//
//   dotnet tool restore
//   dotnet cake samples/cake/build.cake --target=Lifecycle --kubeconfig=<path> --s3-endpoint=http://127.0.0.1:<port> --registry=<host:port>
//
// with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY set and the registry's credentials in the docker config.
// The addin comes from a feed: artifacts/packages after ./build.sh --target=Pack (pass --nuget_source=artifacts/packages).
#addin nuget:?package=Cake.Kaptain&version=0.1.0

var target = Argument("target", "Render");
var project = Argument("project", "../mnist-pytorch/mnist-pytorch.proj");
var kubeconfig = Argument("kubeconfig", EnvironmentVariable("KUBECONFIG") ?? "");
var ns = Argument("namespace", "");
var s3Endpoint = Argument("s3-endpoint", "");
var registry = Argument("registry", "");
var canary = Argument("canary", "");

// Every alias starts from the same definition; only where to run it comes from the command line.
T Model<T>(T settings) where T : KaptainSettings
{
    settings.WithProject(project);
    if (kubeconfig != "") settings.WithKubeconfig(kubeconfig);
    if (ns != "") settings.WithNamespace(ns);
    if (s3Endpoint != "") settings.WithS3Endpoint(s3Endpoint);
    if (registry != "") settings.WithProperty("KaptainRegistry", registry);
    // --canary=10 publishes the new version as a canary with that share of the traffic (Serverless only).
    if (canary != "") settings.WithProperty("KaptainCanaryTrafficPercent", canary);
    return settings;
}

string image = null;

Task("Render")
    .Does(() =>
{
    foreach (var file in KaptainRender(Model(new KaptainRenderSettings())))
        Information("{0}: {1}", file.Step, file.Rendered ? file.Path : "not rendered");
});

Task("BuildImage")
    .Does(() =>
{
    var result = KaptainBuildImage(Model(new KaptainBuildImageSettings()));
    image = result.Image.ToString();
    Information("Image {0} ({1})", image, result.Built ? "built" : "up to date");
});

Task("Train")
    .IsDependentOn("BuildImage")
    .Does(() =>
{
    var result = KaptainTrain(Model(new KaptainTrainSettings()).WithImage(image));
    Information("{0} {1}: {2}", result.JobKind, result.JobName, result.State);
});

Task("Tune")
    .IsDependentOn("BuildImage")
    .Does(() =>
{
    var result = KaptainTune(Model(new KaptainTuneSettings()).WithImage(image).WithDeleteExperiment());
    foreach (var (name, value) in result.BestHyperparameters)
        Information("best {0} = {1}", name, value);
});

Task("Publish")
    .IsDependentOn("BuildImage")
    .Does(() =>
{
    var result = KaptainPublish(Model(new KaptainPublishSettings()).WithImage(image).WithReplace());
    Information("{0} serves at {1}", result.InferenceServiceName, result.Url);
});

// After a canary publish (--target=Publish --canary=10): give the canary all the traffic, or send it all back.
Task("PromoteCanary")
    .Does(() =>
{
    var result = KaptainPromoteCanary(Model(new KaptainPromoteCanarySettings()));
    Information("{0} serves revision {1} at {2}", result.InferenceServiceName, result.Revision, result.Url);
});

Task("RollbackCanary")
    .Does(() =>
{
    var result = KaptainRollbackCanary(Model(new KaptainRollbackCanarySettings()));
    Information("{0} serves revision {1} again at {2}", result.InferenceServiceName, result.Revision, result.Url);
});

Task("Undeploy")
    .Does(() => KaptainUndeploy(Model(new KaptainUndeploySettings())));

Task("Cleanup")
    .Does(() =>
{
    var result = KaptainCleanup(Model(new KaptainCleanupSettings()));
    Information("Removed {0} leftovers", result.Removed.Count);
});

Task("Lifecycle")
    .IsDependentOn("Train")
    .IsDependentOn("Tune")
    .IsDependentOn("Publish")
    .IsDependentOn("Undeploy");

RunTarget(target);
