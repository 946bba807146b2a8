using Glimpse.Core.Methods;
using Glimpse.Core.Reports;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;
using Glimpse.Demo.Training;
using Glimpse.Explain;
using Glimpse.Model;

namespace Glimpse.Demo;

/// <summary>A bundled sample: the generator's item of <paramref name="Kind"/> for <paramref name="Seed"/> (a test-split seed).</summary>
public sealed record DemoSample(string Name, QuestionKind Kind, int Seed)
{
    public GroundedItem Item(SceneGenerator generator) => generator.Generate(Seed, Kind);
}

/// <summary>One explained sample: what the model answered, whether that is right, and where its report is (relative to the index).</summary>
public sealed record DemoEntry(DemoSample Sample, GroundedItem Item, string Answer, bool Correct, string Folder);

/// <summary>
/// <c>glimpse demo</c>: explains the bundled sample questions with GLIMPSE, one report folder each (report.html,
/// result.json, heatmap.png, overlay.png, plus the scene as image.png and its evidence mask as evidence.png), and an
/// index.html linking them. The scenes are regenerated from their seeds, so nothing but the model is stored.
/// </summary>
public static class DemoShowcase
{
    /// <summary>
    /// One per question kind, plus the other answer of the yes/no and a second relation and count: each the first
    /// test-split item from its own start index that is of its kind and, where the name says so, has that answer. The
    /// colour-group sample names two or more objects, so it and the description show evidence spread over several.
    /// </summary>
    public static IReadOnlyList<DemoSample> Samples { get; } = SamplesFor(new SceneOptions());

    /// <summary>The samples, chosen by the same rules among scenes drawn with <paramref name="options"/> (a model's size).</summary>
    public static IReadOnlyList<DemoSample> SamplesFor(SceneOptions options)
    {
        var generator = new SceneGenerator(options);
        return
        [
            First(generator, "color", QuestionKind.Color, 90_000_001),
            First(generator, "shape", QuestionKind.Shape, 90_000_002),
            First(generator, "relation-1", QuestionKind.Relation, 90_000_003),
            First(generator, "relation-2", QuestionKind.Relation, 90_000_004),
            First(generator, "count-1", QuestionKind.Count, 90_000_005),
            First(generator, "count-2", QuestionKind.Count, 90_000_006),
            First(generator, "exist-yes", QuestionKind.Exist, 90_000_007, item => item.Answer.StartsWith("Yes", StringComparison.Ordinal)),
            First(generator, "exist-no", QuestionKind.Exist, 90_000_008, item => item.Answer.StartsWith("No", StringComparison.Ordinal)),
            First(generator, "describe", QuestionKind.Describe, 90_000_009, item => item.EvidenceObjects.Count >= 3),
            First(generator, "color-group", QuestionKind.ColorGroup, 90_000_010, item => item.EvidenceObjects.Count >= 2),
        ];
    }

    private static DemoSample First(SceneGenerator generator, string name, QuestionKind kind, int fromIndex, Func<GroundedItem, bool>? wanted = null)
    {
        for (int index = fromIndex; ; index++)
        {
            var sample = new DemoSample(name, kind, DatasetSplits.Seed(DatasetSplit.Test, index));
            if (wanted is null || wanted(sample.Item(generator))) return sample;
        }
    }

    public const string IndexFile = "index.html";

    /// <param name="progress">Called before each sample with its position and the sample.</param>
    public static IReadOnlyList<DemoEntry> Write(string outDir, VisionLanguageRuntime runtime, string method = "glimpse",
        Action<int, DemoSample>? progress = null, CancellationToken cancellation = default)
    {
        // Scenes at the size the model reads (the default model's is the default scene).
        var options = SceneOptions.ForModel(runtime.Directory);
        var generator = new SceneGenerator(options);
        var samples = options == new SceneOptions() ? Samples : SamplesFor(options);
        var explainer = Explainers.Create(method);
        var entries = new List<DemoEntry>();
        for (int i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            progress?.Invoke(i, sample);
            var item = sample.Item(generator);
            var image = SceneRenderer.Render(item.Scene);
            var outcome = CollectorPause.Run(() => ExplainRun.Execute(runtime,
                new ExplainRequest(image, item.Question, explainer) { PerTokenMaps = true }, cancellation: cancellation));
            string folder = $"{i + 1:D2}-{sample.Name}";
            string dir = Path.Combine(outDir, folder);
            ReportWriter.Write(dir, outcome.Result, outcome.Image, MapNormalization.MinMax);
            File.WriteAllBytes(Path.Combine(dir, "image.png"), PngFiles.Encode(image));
            var evidence = SceneRenderer.EvidenceMask(item.Scene, item.EvidenceObjects);
            File.WriteAllBytes(Path.Combine(dir, "evidence.png"), PngFiles.EncodeMask(evidence, item.Scene.Width, item.Scene.Height));
            string answer = outcome.Result.Answer;
            entries.Add(new DemoEntry(sample, item, answer, AnswerAccuracy.Matches(answer, item.Answer), folder));
        }
        File.WriteAllText(Path.Combine(outDir, IndexFile), DemoIndexPage.Render(entries, runtime.Directory, method));
        return entries;
    }
}
