using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Training;

/// <summary>Everything a training run depends on; the same options give the same model.</summary>
public sealed record DemoTrainingOptions
{
    public required string OutputDirectory { get; init; }
    /// <summary>Seeds the initial weights and the stream of training items.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Length of the learning-rate schedule; training stops earlier when validation reaches the target.</summary>
    public int MaxSteps { get; init; } = 10000;
    /// <summary>Wall-clock limit; training stops there even if the schedule has steps left.</summary>
    public double MaxMinutes { get; init; } = 30;
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 16;
    /// <summary>Questions asked about each training image, as one conversation (the image is encoded once for all).</summary>
    public int QuestionsPerImage { get; init; } = 4;
    public double PeakLearningRate { get; init; } = 2e-3;
    public int WarmupSteps { get; init; } = 200;
    public double WeightDecay { get; init; } = 0.01;
    public double GradientClip { get; init; } = 1.0;
    /// <summary>Weight of the auxiliary per-patch shape and colour loss (<see cref="PatchProbe"/>); 0 turns it off.</summary>
    public double PatchLossWeight { get; init; } = 1.0;
    /// <summary>Steps of the vision warm-up (<see cref="VisionWarmup"/>) before the first question; 0 skips it.</summary>
    public int VisionWarmupSteps { get; init; } = 300;
    /// <summary>Crowded scenes per warm-up step.</summary>
    public int VisionWarmupBatchSize { get; init; } = 32;
    /// <summary>Validation items (the first of the validation split), checked every <see cref="ValidationEvery"/> steps.</summary>
    public int ValidationItems { get; init; } = 500;
    public int ValidationEvery { get; init; } = 250;
    /// <summary>Stop once validation exact-answer accuracy reaches this.</summary>
    public double TargetAccuracy { get; init; } = 0.985;
    /// <summary>Test items (the first of the test split) answered by the saved, reloaded model with greedy decoding.</summary>
    public int TestItems { get; init; } = 1000;
    /// <summary>CPU threads for libtorch; fixed, because the thread count can change the order of float sums.</summary>
    public int Threads { get; init; } = 2;
    public DemoModelShape Shape { get; init; } = new();
    /// <summary>
    /// How often each question kind is drawn for training (relative weights). Naming a shape found by its colour and
    /// counting are learnt first; relations (the one object on a side of another), existence (a colour and a shape
    /// together) and descriptions (every object, in reading order: the longest answers, each of whose words must be right)
    /// last, so they get more of the steps.
    /// </summary>
    public IReadOnlyDictionary<QuestionKind, double> KindWeights { get; init; } = new Dictionary<QuestionKind, double>
    {
        [QuestionKind.Color] = 1.0, [QuestionKind.Shape] = 0.4, [QuestionKind.Relation] = 3.0, [QuestionKind.Count] = 0.7, [QuestionKind.Exist] = 1.2,
        [QuestionKind.Describe] = 2.5, [QuestionKind.ColorGroup] = 1.5,
    };

    public SceneOptions Scenes => new() { Width = Shape.ImageSize, Height = Shape.ImageSize, CellSize = Shape.PatchSize };

    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(VisionWarmupSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(VisionWarmupBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(QuestionsPerImage, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ValidationItems);
        ArgumentOutOfRangeException.ThrowIfNegative(TestItems);
        if (MaxMinutes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxMinutes), MaxMinutes, "must be positive");
        if (PeakLearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(PeakLearningRate), PeakLearningRate, "must be positive");
        Shape.Validate();
        Scenes.Validate();
    }

    /// <summary>
    /// The <c>glimpse train-demo</c> arguments that reproduce these options: the output folder (relative to the current
    /// folder where it lies below it), seed, schedule and time limit, then every option that differs from the defaults.
    /// </summary>
    public string CommandLine()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var d = new DemoTrainingOptions { OutputDirectory = OutputDirectory };
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, OutputDirectory);
        string outPath = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? OutputDirectory : relative.Replace('\\', '/');
        var args = new List<string> { "--out", outPath, "--seed", Seed.ToString(c), "--steps", MaxSteps.ToString(c), "--minutes", MaxMinutes.ToString(c) };
        void Add<T>(string name, T value, T fallback) where T : IFormattable
        {
            if (!EqualityComparer<T>.Default.Equals(value, fallback)) args.AddRange([name, value.ToString(null, c)]);
        }
        Add("--batch-size", BatchSize, d.BatchSize);
        Add("--questions-per-image", QuestionsPerImage, d.QuestionsPerImage);
        Add("--learning-rate", PeakLearningRate, d.PeakLearningRate);
        Add("--target", TargetAccuracy, d.TargetAccuracy);
        Add("--test-items", TestItems, d.TestItems);
        Add("--threads", Threads, d.Threads);
        var s = Shape;
        var ds = d.Shape;
        Add("--image-size", s.ImageSize, ds.ImageSize);
        Add("--patch-size", s.PatchSize, ds.PatchSize);
        Add("--vision-hidden", s.VisionHidden, ds.VisionHidden);
        Add("--vision-layers", s.VisionLayers, ds.VisionLayers);
        Add("--vision-heads", s.VisionHeads, ds.VisionHeads);
        Add("--vision-intermediate", s.VisionIntermediate, ds.VisionIntermediate);
        Add("--text-hidden", s.TextHidden, ds.TextHidden);
        Add("--text-layers", s.TextLayers, ds.TextLayers);
        Add("--text-heads", s.TextHeads, ds.TextHeads);
        Add("--text-intermediate", s.TextIntermediate, ds.TextIntermediate);
        if (!KindWeights.OrderBy(k => k.Key).SequenceEqual(d.KindWeights.OrderBy(k => k.Key)))
            args.AddRange(["--kind-weights", FormatKindWeights(KindWeights)]);
        return "train-demo " + string.Join(" ", args);
    }

    /// <summary>"color=1,shape=0.4,…": the form <c>--kind-weights</c> takes.</summary>
    public static string FormatKindWeights(IReadOnlyDictionary<QuestionKind, double> weights) =>
        string.Join(",", weights.OrderBy(k => k.Key).Select(k => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{k.Key.Tag()}={k.Value}")));

    /// <summary>Reads "describe=3,relation=2.5" over <paramref name="defaults"/>: the kinds named get those weights, the rest keep theirs.</summary>
    public static IReadOnlyDictionary<QuestionKind, double> ParseKindWeights(string text, IReadOnlyDictionary<QuestionKind, double> defaults)
    {
        var weights = new Dictionary<QuestionKind, double>(defaults);
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = part.Split('=', StringSplitOptions.TrimEntries);
            var kind = QuestionKinds.All.Where(k => k.Tag() == pieces[0].ToLowerInvariant()).Cast<QuestionKind?>().FirstOrDefault();
            if (pieces.Length != 2 || kind is null
                || !double.TryParse(pieces[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double w) || w < 0)
                throw new ArgumentException($"'{part}' is not KIND=WEIGHT with a kind of {string.Join(", ", QuestionKinds.All.Select(k => k.Tag()))} and a weight ≥ 0.");
            weights[kind.Value] = w;
        }
        return weights;
    }
}

/// <summary>
/// Where a run is: phase "vision" after each warm-up step (<see cref="TrainAccuracy"/> is the probe's running shape
/// accuracy on object patches, <see cref="ColorAccuracy"/> its colour accuracy); phase "train" after each step
/// (<see cref="StepLoss"/> is that batch's loss; <see cref="Loss"/> and <see cref="TrainAccuracy"/> are running averages;
/// <see cref="Validation"/> is the latest check); or phase "test" after each test item answered.
/// </summary>
public sealed record TrainingProgress(string Phase, int Step, int TotalSteps, double StepLoss, double Loss, double TrainAccuracy,
    AccuracyReport? Validation, TimeSpan Elapsed)
{
    public double? ColorAccuracy { get; init; }
}
