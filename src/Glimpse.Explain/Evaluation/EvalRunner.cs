using System.Diagnostics;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Results;
using Glimpse.Model;
using Glimpse.Model.Generation;
using TorchSharp;

namespace Glimpse.Explain.Evaluation;

/// <summary>
/// <c>glimpse eval</c>'s job: for every item, answer once (greedy), explain the answer with every method, compare each
/// map with the item's reference on the comparison grid, and measure its faithfulness by deletion and insertion
/// against a random ordering.
/// </summary>
public static class EvalRunner
{
    public static EvalRun Run(VisionLanguageRuntime runtime, IEvalItemSource source, EvalOptions options, IProgress<EvalProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var clock = Stopwatch.StartNew();
        // Each method runs with the run's options and its own (a variant's); its label names its records.
        var explainers = options.Variants.Select(v => (v.Label, Explainer: Explainers.Create(v.Method.Name, v.Settings(options.Settings)))).ToList();
        var records = new List<EvalRecord>();
        var examples = new List<EvalExample>();
        int items = source.Items.Count, total = items * explainers.Count;
        for (int index = 0; index < items; index++)
        {
            var item = source.Items[index];
            try
            {
                var (itemRecords, example) = EvaluateItem(runtime, source, item, index, explainers, options,
                    (method, done) => progress?.Report(new EvalProgress(index, items, item.Id, method, index * explainers.Count + done, total)), cancellation);
                records.AddRange(itemRecords);
                if (example is not null) examples.Add(example);
            }
            catch (Exception e) when (e is ArgumentException or InvalidDataException or ImageDecodeException or FileNotFoundException)
            {
                throw new InvalidDataException($"Item '{item.Id}' of {source.Description}: {e.Message}", e);
            }
        }
        var model = runtime.Model;
        return new EvalRun
        {
            Model = new ModelSummary(Path.GetFileName(Path.TrimEndingDirectorySeparator(runtime.Directory)), model.Config.ModelType,
                model.DType.ToString().ToLowerInvariant(), model.Device.type.ToString().ToLowerInvariant()),
            Data = source.Description,
            Options = options,
            Items = items,
            Records = records,
            Examples = examples,
            Seconds = clock.Elapsed.TotalSeconds,
            Precision = ModelLoadOptions.PrecisionName(model.DType),
        };
    }

    private static (List<EvalRecord>, EvalExample?) EvaluateItem(VisionLanguageRuntime runtime, IEvalItemSource source, EvalItem item, int index,
        List<(string Label, IExplainer Explainer)> explainers, EvalOptions options, Action<string, int> progress, CancellationToken cancellation)
    {
        progress(explainers[0].Label, 0);
        var image = source.LoadImage(item);
        var reference = source.LoadReference(item);
        using var prompt = runtime.Prepare(image, item.Question);
        using var features = EncodeImage(runtime, prompt);
        using var answer = runtime.Answer(prompt, new GenerationOptions { MaxNewTokens = options.MaxNewTokens, ImageFeatures = features });
        var subject = ExplanationSubject.From(runtime, prompt, answer, features);
        double[]? referenceCells = reference is null ? null : options.Grid.FromReference(reference);
        bool? correct = item.Answer is null ? null : AnswerMatching.Matches(answer.Text, item.Answer);

        var faithfulnessClock = Stopwatch.StartNew();
        using var faithfulness = options.Faithfulness is { } f
            ? new Faithfulness(runtime.Model, prompt, answer, f with { Seed = unchecked(options.Seed * 1_000_003 + index) })
            : null;
        var randomControl = faithfulness?.RandomControl();
        double controlSeconds = faithfulnessClock.Elapsed.TotalSeconds;

        bool showExample = index < options.Examples;
        var overlays = new Dictionary<string, byte[]>();
        var records = new List<EvalRecord>();
        for (int m = 0; m < explainers.Count; m++)
        {
            cancellation.ThrowIfCancellationRequested();
            var (label, explainer) = explainers[m];
            progress(label, m);
            var explainClock = Stopwatch.StartNew();
            var relevance = explainer.Explain(subject, null, cancellation);
            double explainSeconds = explainClock.Elapsed.TotalSeconds;
            var map = new ImageTokenMap(prompt.ImageTokens, relevance.ImageMap);
            var gridMap = options.Grid.FromTokenMap(map);

            faithfulnessClock.Restart();
            var curves = faithfulness?.Measure(relevance.ImageMap);
            double faithfulnessSeconds = faithfulnessClock.Elapsed.TotalSeconds + (m == 0 ? controlSeconds : 0);

            records.Add(new EvalRecord
            {
                ItemId = item.Id,
                Method = label,
                Question = item.Question,
                ExpectedAnswer = item.Answer,
                Answer = answer.Text,
                Correct = correct,
                AnswerTokens = answer.Generation.NewTokens.Length,
                ReferenceKind = reference?.Kind,
                Tags = item.Tags ?? new Dictionary<string, string>(),
                Alignment = reference is { } r && referenceCells is { } cells
                    ? AlignmentScores.Compute(gridMap, cells, r.Kind)
                    : null,
                GridMap = gridMap,
                Faithfulness = curves,
                RandomControl = randomControl,
                ExplainSeconds = explainSeconds,
                FaithfulnessSeconds = faithfulnessSeconds,
            });
            if (showExample) overlays[label] = ExampleThumbnails.Overlay(image, map);
        }
        progress(explainers[^1].Label, explainers.Count);
        var example = showExample
            ? new EvalExample(item.Id, item.Question, answer.Text, item.Answer, ExampleThumbnails.Image(image),
                reference is null ? null : ExampleThumbnails.Reference(image, reference), overlays)
            : null;
        return (records, example);
    }

    private static torch.Tensor EncodeImage(VisionLanguageRuntime runtime, PreparedPrompt prompt)
    {
        using var noGrad = torch.no_grad();
        return runtime.Model.EncodeImage(prompt.ModelInput);
    }
}
