namespace Kaptain.Build.Reliability.Tests.Corpus;

/// <summary>
/// The malformed model projects (issue 6, "bad input corpus"): each a copy of <c>samples/mnist-pytorch</c> with one
/// thing wrong. The model-level cases fail in the core reader; the step-level ones (credentials, kubeconfig, namespace)
/// have a valid model and must fail in the step before it sends any request that changes the cluster.
/// </summary>
public static class BadInputCorpus
{
    /// <summary>Every case.</summary>
    public static IReadOnlyList<BadInputCase> All { get; } = Build();

    /// <summary>The few that also run through a real <c>dotnet build -t:KaptainTrain</c>.</summary>
    public static IReadOnlyList<BadInputCase> ThroughMSBuild { get; } =
    [
        .. All.Where(c => c.Name is "workers is a word" or "memory in GB" or "model id with a zero-width space"
            or "main file missing" or "docker config auth not base64"),
    ];

    private static BadInputCase P(string category, string code, string name, params (string Name, string Value)[] properties) =>
        new(name, category, code) { Properties = properties.ToDictionary(p => p.Name, p => p.Value) };

    private static BadInputCase I(string category, string code, string name, string type, string include, params (string Name, string Value)[] metadata) =>
        new(name, category, code) { Items = [(type, include, metadata)] };

    private static BadInputCase SearchOnly(string code, string name, string include, params (string Name, string Value)[] metadata) =>
        new(name, "tuning", code) { RemoveItems = ["KaptainSearchParameter"], Items = [("KaptainSearchParameter", include, metadata)] };

    private static BadInputCase Step(string category, string code, string name, Action<string, Dictionary<string, string>> arrange, params (string Name, string Value)[] properties) =>
        new(name, category, code) { FailsInStep = true, Arrange = arrange, Properties = properties.ToDictionary(p => p.Name, p => p.Value) };

    private static List<BadInputCase> Build() =>
    [
        P("references", "KAPT2001", "model id empty", ("KaptainModelId", "")),
        P("references", "KAPT2001", "framework empty", ("KaptainFramework", "")),
        P("references", "KAPT2001", "main file empty", ("KaptainMainFile", "")),
        P("types", "KAPT2002", "unknown framework", ("KaptainFramework", "keras")),
        P("files", "KAPT2003", "main file missing", ("KaptainMainFile", "train.py")),
        P("files", "KAPT2003", "requirements file missing", ("KaptainRequirementsFile", "requirements-gpu.txt")),
        I("files", "KAPT2003", "extra file missing", "KaptainFile", "data/labels.csv"),
        P("files", "KAPT2003", "dockerfile missing", ("KaptainDockerfile", "Dockerfile.gpu")),
        P("files", "KAPT2003", "registry CA file missing", ("KaptainRegistryCaFile", "ca.pem")),
        P("encodings", "KAPT2003", "main file with a non-ASCII name missing", ("KaptainMainFile", "mnïst.py")),
        new("extra file outside the project", "files", "KAPT2030")
        {
            Items = [("KaptainFile", "../outside.txt", [])],
            Arrange = (dir, _) => File.WriteAllText(Path.Combine(dir, "..", "outside.txt"), "outside"),
        },
        P("names", "KAPT2004", "model id with uppercase and '!'", ("KaptainModelId", "Dev/MNIST!")),
        P("encodings", "KAPT2004", "model id with a zero-width space", ("KaptainModelId", "dev/mnist\u200b")),
        P("names", "KAPT2005", "model name with an underscore", ("KaptainModelName", "mnist_model")),
        P("names", "KAPT2005", "model name of 70 characters", ("KaptainModelName", new string('m', 70))),
        P("types", "KAPT2006", "boolean 'maybe'", ("KaptainRegistryInsecure", "maybe")),
        P("types", "KAPT2006", "boolean '1.0'", ("KaptainForceCleanup", "1.0")),
        P("types", "KAPT2007", "workers is a word", ("KaptainWorkers", "three")),
        P("encodings", "KAPT2007", "workers in fullwidth digits", ("KaptainWorkers", "\uFF13")),
        P("encodings", "KAPT2007", "workers after a BOM character", ("KaptainWorkers", "\uFEFF3")),
        P("types", "KAPT2007", "workers 1.5", ("KaptainWorkers", "1.5")),
        P("types", "KAPT2007", "timeout beyond Int32", ("KaptainTrainTimeout", "99999999999")),
        P("ranges", "KAPT2008", "zero workers", ("KaptainWorkers", "0")),
        P("ranges", "KAPT2008", "negative workers", ("KaptainWorkers", "-1")),
        P("ranges", "KAPT2008", "zero trials", ("KaptainTrials", "0")),
        P("ranges", "KAPT2008", "zero train timeout", ("KaptainTrainTimeout", "0")),
        P("ranges", "KAPT2009", "parallel trials above trials", ("KaptainParallelTrials", "20")),
        P("ranges", "KAPT2010", "failed trials above trials", ("KaptainFailedTrials", "13")),
        P("quantities", "KAPT2011", "cpu '2 cores'", ("KaptainCpu", "2 cores")),
        P("quantities", "KAPT2011", "memory in GB", ("KaptainMemory", "4GB")),
        P("encodings", "KAPT2011", "memory with a no-break space", ("KaptainMemory", "4\u00A0Gi")),
        P("quantities", "KAPT2011", "builder memory '1 G'", ("KaptainBuilderMemoryRequest", "1 G")),
        P("quantities", "KAPT2012", "cpu and cpu request at once", ("KaptainCpuRequest", "1")),
        P("quantities", "KAPT2038", "builder request above limit", ("KaptainBuilderCpuRequest", "3")),
        P("types", "KAPT2013", "unknown algorithm", ("KaptainAlgorithm", "genetic")),
        P("references", "KAPT2014", "S3 endpoint without a scheme", ("KaptainS3Endpoint", "localhost:9000")),
        P("references", "KAPT2014", "S3 endpoint with ftp", ("KaptainS3Endpoint", "ftp://127.0.0.1:9000")),
        P("names", "KAPT2015", "image name in uppercase", ("KaptainImageName", "Dev/MNIST")),
        P("names", "KAPT2039", "image name with a digest", ("KaptainImageName", "dev/mnist@sha256:" + new string('a', 64))),
        P("types", "KAPT2016", "unknown deployment mode", ("KaptainDeploymentMode", "Kubernetes")),
        P("types", "KAPT2017", "unknown serving API group", ("KaptainServingApiGroup", "serving.example.com")),
        P("types", "KAPT2018", "objective type 'maximise'", ("KaptainObjectiveType", "maximise")),
        SearchOnly("KAPT2019", "search parameter type 'float'", "lr", ("Type", "float"), ("Min", "0.1"), ("Max", "0.2")),
        SearchOnly("KAPT2020", "min above max", "lr", ("Type", "double"), ("Min", "0.1"), ("Max", "0.01")),
        SearchOnly("KAPT2021", "int parameter with values", "layers", ("Type", "int"), ("Values", "1;2")),
        SearchOnly("KAPT2022", "categorical without values", "optimizer", ("Type", "categorical"), ("Values", "")),
        SearchOnly("KAPT2023", "double min 'abc'", "lr", ("Type", "double"), ("Min", "abc"), ("Max", "0.1")),
        SearchOnly("KAPT2024", "step 0", "lr", ("Type", "double"), ("Min", "0.01"), ("Max", "0.1"), ("Step", "0")),
        I("tuning", "KAPT2025", "duplicate hyperparameter", "KaptainHyperparameter", "epochs", ("Value", "6")),
        P("types", "KAPT2033", "objective goal 'high'", ("KaptainObjectiveGoal", "high")),
        P("tuning", "KAPT2040", "objective twice", ("KaptainObjectives", "accuracy;accuracy")),
        I("names", "KAPT2028", "label key with '!'", "KaptainLabel", "team!", ("Value", "x")),
        I("names", "KAPT2029", "environment variable starting with a digit", "KaptainEnvironmentVariable", "1BAD", ("Value", "x")),
        I("names", "KAPT2037", "hyperparameter name with a space", "KaptainHyperparameter", "learning rate", ("Value", "0.1")),
        I("references", "KAPT2045", "hyperparameter without a value", "KaptainHyperparameter", "dropout"),
        P("ranges", "KAPT2031", "canary 150 percent", ("KaptainCanaryTrafficPercent", "150")),
        P("types", "KAPT2100", "canary on raw deployment", ("KaptainCanaryTrafficPercent", "10"), ("KaptainDeploymentMode", "RawDeployment")),
        P("ranges", "KAPT2041", "min replicas above max", ("KaptainMinReplicas", "3"), ("KaptainMaxReplicas", "1")),
        P("references", "KAPT2032", "pytorch version without a base image", ("KaptainFrameworkVersion", "9.9.9")),
        P("names", "KAPT2034", "misspelled property", ("KaptainWorkerz", "3")),
        I("names", "KAPT2042", "misspelled item type", "KaptainHyperparamter", "epochs", ("Value", "5")),
        P("references", "KAPT2036", "storage URI with gopher://", ("KaptainModelStorageUri", "gopher://models/mnist")),
        P("names", "KAPT2043", "bucket with uppercase and '_'", ("KaptainS3Bucket", "My_Bucket")),
        P("tuning", "KAPT2044", "grid over a double without step", ("KaptainAlgorithm", "grid")),
        P("names", "KAPT2046", "model version with '/'", ("KaptainModelVersion", "1/2")),
        P("types", "KAPT2047", "raw deployment with the legacy group", ("KaptainDeploymentMode", "RawDeployment"), ("KaptainServingApiGroup", "serving.kubeflow.org")),
        P("tuning", "KAPT2048", "hyperband without settings", ("KaptainAlgorithm", "hyperband")),

        Step("credentials", "KAPT2201", "no S3 credentials anywhere", (_, env) =>
        {
            env.Remove("AWS_ACCESS_KEY_ID");
            env.Remove("AWS_SECRET_ACCESS_KEY");
        }),
        Step("credentials", "KAPT2202", "only AWS_ACCESS_KEY_ID", (_, env) => env.Remove("AWS_SECRET_ACCESS_KEY")),
        Step("credentials", "KAPT2203", "credentials file profile without a secret", (dir, env) =>
        {
            env.Remove("AWS_ACCESS_KEY_ID");
            env.Remove("AWS_SECRET_ACCESS_KEY");
            var file = Path.Combine(dir, "aws-credentials");
            File.WriteAllText(file, "[default]\naws_access_key_id = AKIAEXAMPLE\n");
            env["AWS_SHARED_CREDENTIALS_FILE"] = file;
        }),
        Step("credentials", "KAPT2206", "docker config property names a missing file", (_, _) => { }, ("KaptainDockerConfig", "no-such-docker")),
        Step("encodings", "KAPT2207", "docker config auth not base64", (dir, env) => WriteDockerConfig(dir, env, """{"auths":{"REGISTRY":{"auth":"not base64!"}}}""")),
        Step("credentials", "KAPT2208", "credential helper not on PATH", (dir, env) => WriteDockerConfig(dir, env, """{"credHelpers":{"REGISTRY":"kaptain-missing"}}""")),
        Step("references", "KAPT1002", "kubeconfig file missing", (_, _) => { }, ("KaptainKubeconfig", "no-such-kubeconfig")),
        Step("references", "KAPT1003", "kube context missing", (_, _) => { }, ("KaptainKubeContext", "no-such-context")),
        Step("references", "KAPT1005", "kubeconfig not YAML", (dir, _) => File.WriteAllText(Path.Combine(dir, "bad-kubeconfig"), "\t: [not yaml"), ("KaptainKubeconfig", "bad-kubeconfig")),
        // The missing namespace is found from the 404 of the first create (no cluster-scoped read is needed, see
        // docs/least-privilege.md): one rejected request that changes nothing.
        Step("references", "KAPT1013", "namespace missing", (_, _) => { }, ("KaptainNamespace", "no-such-namespace")) with { RejectedCreates = 1 },
    ];

    // REGISTRY is replaced with the registry host by the runner (it is only known once the servers run).
    private static void WriteDockerConfig(string directory, Dictionary<string, string> environment, string json)
    {
        var folder = Path.Combine(directory, "docker-bad");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), json.Replace("REGISTRY", environment["KAPTAIN_TEST_REGISTRY"], StringComparison.Ordinal));
        environment["DOCKER_CONFIG"] = folder;
    }
}
