using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Glimpse.Core.Evaluation;

/// <summary>
/// summary.json: the run's setting and protocol, answer accuracy, and per method every metric as
/// <c>{count, mean, ci_low, ci_high, higher_is_better}</c> with the mean curves; the random control alike; and
/// <c>paired_with_first</c>: per other method and metric, the first method minus that one (<c>{count, mean, ci_low,
/// ci_high, first_better_share}</c>). Since 1.1 also: <c>variants</c> (each method as written: its method and its own
/// options), each method's <c>explain_seconds</c>, <c>agreement_with_first</c> (per other method: <c>speed_up</c>, the first
/// method's mean explain time over the other's, and <c>map_correlation</c>, the item-paired Pearson correlation of the two
/// maps on the comparison grid), and <c>by_tag</c> (the headline metrics per value of each tag with a few values). A value
/// no item has is null. Versioned by <see cref="SchemaVersion"/>.
/// </summary>
public static class EvalSummaryJson
{
    public const string SchemaVersion = "1.1";

    public static string Serialize(EvalRun run, EvalSummary summary)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(summary);
        var options = run.Options;
        var faithfulness = options.Faithfulness;
        var root = new JsonObject
        {
            ["schema_version"] = SchemaVersion,
            ["model"] = new JsonObject
            {
                ["name"] = run.Model.Name, ["model_type"] = run.Model.ModelType, ["dtype"] = run.Model.DType, ["precision"] = run.Precision,
                ["device"] = run.Model.Device,
            },
            ["data"] = run.Data,
            ["items"] = run.Items,
            ["methods"] = new JsonArray(options.Methods.Select(m => (JsonNode)JsonValue.Create(m)).ToArray()),
            ["variants"] = new JsonObject(options.Variants.Select(v => KeyValuePair.Create(v.Label, (JsonNode?)new JsonObject
            {
                ["method"] = v.Method.Name,
                ["options"] = new JsonObject(v.Options.Select(o => KeyValuePair.Create(o.Key, (JsonNode?)JsonValue.Create(o.Value)))),
            }))),
            ["seconds"] = run.Seconds,
            ["protocol"] = new JsonObject
            {
                ["answer"] = $"greedy, at most {options.MaxNewTokens} new tokens, generated once per item",
                ["comparison_grid"] = new JsonArray(options.Grid.Height, options.Grid.Width),
                ["positive_cells"] = "reference value at least half the reference's maximum",
                ["confidence_interval"] = $"95%, percentile bootstrap over items, {Bootstrap.Resamples} resamples, seed {options.Seed}",
                ["faithfulness"] = faithfulness is null ? null : new JsonObject
                {
                    ["score"] = "exp(mean_t log p(y_t | image, y_<t)) of the fixed generated answer, end-of-sequence token included",
                    ["steps"] = faithfulness.Steps,
                    ["schedule"] = "top round(j * K / steps) of the K image-token cells, j = 0..steps",
                    ["deletion_substrate"] = "0 in the processor's normalised space (the processor's mean colour)",
                    ["insertion_start"] = $"Gaussian blur, sigma = {faithfulness.BlurSigmaCells} token cells",
                    ["batch_size"] = faithfulness.BatchSize,
                    ["seed"] = options.Seed,
                },
            },
            ["accuracy"] = summary.Accuracy is { } accuracy ? EstimateNode(accuracy) : null,
            ["methods_summary"] = new JsonObject(summary.Methods.Select(m => KeyValuePair.Create(m.Method, (JsonNode?)MethodNode(m, EvalMetrics.All)))),
            ["random_control"] = summary.RandomControl is { } control ? MethodNode(control, EvalMetrics.RandomControl) : null,
            ["paired_with_first"] = new JsonObject(summary.PairedWithFirst.Select(other => KeyValuePair.Create(other.Key, (JsonNode?)new JsonObject(
                other.Value.Select(metric =>
                {
                    var node = EstimateNode(metric.Value.Difference);
                    node["first_better_share"] = Number(metric.Value.FirstBetterShare);
                    return KeyValuePair.Create(metric.Key, (JsonNode?)node);
                }))))),
            ["agreement_with_first"] = new JsonObject(summary.AgreementWithFirst.Select(other => KeyValuePair.Create(other.Key, (JsonNode?)new JsonObject
            {
                ["speed_up"] = Number(other.Value.SpeedUp),
                ["map_correlation"] = EstimateNode(other.Value.MapCorrelation),
            }))),
            ["by_tag"] = new JsonArray(summary.ByTag.Select(group => (JsonNode?)new JsonObject
            {
                ["tag"] = group.Tag,
                ["value"] = group.Value,
                ["items"] = group.Items,
                ["methods"] = new JsonObject(group.ByMethod.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)new JsonObject(
                    m.Value.Select(metric => KeyValuePair.Create(metric.Key, (JsonNode?)EstimateNode(metric.Value))))))),
            }).ToArray()),
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static JsonObject MethodNode(MethodSummary method, IReadOnlyList<EvalMetric> metrics) => new()
    {
        ["approximate"] = method.Approximate,
        ["explain_seconds"] = method.ExplainSeconds is { } seconds ? EstimateNode(seconds) : null,
        ["metrics"] = new JsonObject(metrics.Select(metric =>
        {
            var node = EstimateNode(method.Metrics[metric.Name]);
            node["higher_is_better"] = metric.HigherIsBetter;
            return KeyValuePair.Create(metric.Name, (JsonNode?)node);
        })),
        ["deletion_curve"] = CurveNode(method.Deletion),
        ["insertion_curve"] = CurveNode(method.Insertion),
    };

    private static JsonObject EstimateNode(Estimate estimate) => new()
    {
        ["count"] = estimate.Count,
        ["mean"] = Number(estimate.Mean),
        ["ci_low"] = Number(estimate.Low),
        ["ci_high"] = Number(estimate.High),
    };

    private static JsonObject? CurveNode(MeanCurve? curve) => curve is null ? null : new JsonObject
    {
        ["fractions"] = new JsonArray(curve.Fractions.Select(f => (JsonNode?)Number(f)).ToArray()),
        ["mean_scores"] = new JsonArray(curve.Scores.Select(s => (JsonNode?)Number(s)).ToArray()),
    };

    private static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
