using Kaptain.Build.Model;
using P = Kaptain.Build.Model.ModelProperties;

namespace Kaptain.Build.Validation;

/// <summary>Reads <see cref="TrainSettings"/>: workers, resources, hyperparameters, arguments, timeout and TTL.</summary>
internal sealed class TrainSettingsParser(ModelParseContext context)
{
    internal TrainSettings Parse()
    {
        var workers = context.PositiveInteger(P.Workers) ?? 1;
        var resources = context.Resources(P.Cpu, P.Memory, P.Gpus, P.CpuRequest, P.CpuLimit, P.MemoryRequest, P.MemoryLimit);
        var hyperparameters = context.NameValueItems(ModelItemTypes.Hyperparameter, name => context.ParameterName(ModelItemTypes.Hyperparameter, name), valueRequired: true);
        var arguments = context.Items(ModelItemTypes.TrainArgument).Select(i => i.ItemSpec).ToList();
        var ttl = context.Value(P.TtlSecondsAfterFinished) is null ? null : context.NonNegativeInteger(P.TtlSecondsAfterFinished);
        return new TrainSettings(workers, resources, hyperparameters, arguments, context.Seconds(P.TrainTimeout), ttl);
    }
}
