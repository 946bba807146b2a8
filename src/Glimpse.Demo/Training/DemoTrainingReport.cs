using System.Globalization;
using System.Text;
using Glimpse.Demo.Questions;

namespace Glimpse.Demo.Training;

/// <summary>What a training run did and how well the saved model answers.</summary>
public sealed record DemoTrainingReport
{
    public required DemoTrainingOptions Options { get; init; }
    public required int Steps { get; init; }
    public required string StopReason { get; init; }
    public required TimeSpan TrainingTime { get; init; }
    public required TimeSpan TotalTime { get; init; }
    public required double FinalLoss { get; init; }
    public required AccuracyReport Validation { get; init; }
    /// <summary>Null when no test items were asked for.</summary>
    public AccuracyReport? Test { get; init; }
    public required long ParameterCount { get; init; }
    public required long WeightsBytes { get; init; }

    /// <summary>The README of the model folder: how it was made and how well it does.</summary>
    public string ToMarkdown()
    {
        var o = Options;
        var s = o.Shape;
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("# Glimpse demo model");
        text.AppendLine();
        text.AppendLine("A small LLaVA-architecture model (CLIP-style vision tower, two-layer MLP projector, Llama decoder) trained from");
        text.AppendLine("scratch on Glimpse's synthetic grounded VQA (`src/Glimpse.Demo/Questions`): coloured shapes, questions about colour,");
        text.AppendLine("shape, spatial relations, counts, existence, the objects of a colour and the whole scene, answered in whole sentences. It is a Hugging Face LLaVA folder and");
        text.AppendLine("loads with the same code as real checkpoints. It only knows these scenes.");
        text.AppendLine();
        text.AppendLine("## How it was made");
        text.AppendLine();
        text.AppendLine("```bash");
        text.AppendLine($"dotnet run -c Release --project src/Glimpse.Cli -- {o.CommandLine()}");
        text.AppendLine("```");
        text.AppendLine();
        text.AppendLine("| | |");
        text.AppendLine("|---|---|");
        text.AppendLine(string.Create(c, $"| seed | {o.Seed} |"));
        text.AppendLine(string.Create(c, $"| steps | {Steps} of a {o.MaxSteps}-step schedule ({StopReason}) |"));
        text.AppendLine(string.Create(c, $"| batch | {o.BatchSize} fresh scenes a step, {o.QuestionsPerImage} questions about each as one conversation ({Steps * o.BatchSize:N0} scenes, {Steps * o.BatchSize * o.QuestionsPerImage:N0} answers in all) |"));
        text.AppendLine(string.Create(c, $"| question kinds | drawn by weight: {string.Join(", ", o.KindWeights.OrderBy(k => k.Key).Select(k => string.Create(c, $"{k.Key.Tag()} {k.Value}")))} |"));
        text.AppendLine(string.Create(c, $"| vision warm-up | {o.VisionWarmupSteps} steps of {o.VisionWarmupBatchSize} crowded scenes, the probe's loss alone |"));
        text.AppendLine(string.Create(c, $"| auxiliary loss | per-patch shape, colour and grid-position read-out of the image tokens, weight {o.PatchLossWeight} (dropped after training) |"));
        text.AppendLine(string.Create(c, $"| optimiser | AdamW, peak learning rate {o.PeakLearningRate}, {o.WarmupSteps} warm-up steps, cosine decay, weight decay {o.WeightDecay}, gradient clip {o.GradientClip} |"));
        text.AppendLine(string.Create(c, $"| loss | cross-entropy on the answer tokens and EOS; final running loss {FinalLoss:F4} |"));
        text.AppendLine(string.Create(c, $"| wall time | training {TrainingTime.TotalMinutes:F1} min, with validation, saving and the test {TotalTime.TotalMinutes:F1} min, {o.Threads} libtorch threads on {Environment.ProcessorCount} CPU cores |"));
        text.AppendLine(string.Create(c, $"| size | {ParameterCount:N0} parameters, float32, model.safetensors {WeightsBytes / 1048576.0:F1} MiB |"));
        text.AppendLine(string.Create(c, $"| vision | {s.ImageSize} px images, {s.PatchSize} px patches ({s.ImageTokens} image tokens), width {s.VisionHidden}, {s.VisionLayers} layers, {s.VisionHeads} heads, MLP {s.VisionIntermediate} |"));
        text.AppendLine(string.Create(c, $"| decoder | width {s.TextHidden}, {s.TextLayers} layers, {s.TextHeads} heads, MLP {s.TextIntermediate}, vocabulary {ModelFiles.DemoVocabulary.Tokens.Count} words |"));
        text.AppendLine();
        text.AppendLine("## Exact-answer accuracy");
        text.AppendLine();
        text.AppendLine("An answer counts when it equals the expected sentence (case and spaces before punctuation ignored).");
        text.AppendLine("Validation: teacher-forced on the first items of the validation split (equivalent to greedy decoding). Test: the saved");
        text.AppendLine("model reloaded with `VisionLanguageRuntime.Open`, greedy decoding, on the first items of the held-out test split.");
        text.AppendLine();
        text.AppendLine("| question type | validation | test |");
        text.AppendLine("|---|---|---|");
        foreach (var kind in QuestionKinds.All)
            text.AppendLine($"| {kind.Tag()} | {Cell(Validation, kind)} | {Cell(Test, kind)} |");
        text.AppendLine(string.Create(c, $"| **all** | **{100 * Validation.Accuracy:F1} %** ({Validation.Correct}/{Validation.Total}) | **{(Test is null ? "–" : string.Create(c, $"{100 * Test.Accuracy:F1} %"))}** ({Test?.Correct}/{Test?.Total}) |"));
        return text.ToString();
    }

    private static string Cell(AccuracyReport? report, QuestionKind kind) =>
        report is not null && report.PerKind.TryGetValue(kind, out var v)
            ? string.Create(CultureInfo.InvariantCulture, $"{100.0 * v.Correct / v.Total:F1} % ({v.Correct}/{v.Total})")
            : "–";
}
