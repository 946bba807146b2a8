using System.Diagnostics;
using Glimpse.Demo.ModelFiles;
using Glimpse.Demo.Questions;
using Glimpse.Model;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Processing;
using Glimpse.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>
/// Trains the demo model from scratch on the CPU: the model folder's files are written first and read back (so training
/// uses the very tokenizer, processor and config the runtime will), then teacher-forced steps on fresh synthetic items
/// with the loss on the answer alone, AdamW with warm-up and cosine decay, validation every few hundred steps with an
/// early stop at the target, and finally the weights saved in Hugging Face's layout, reloaded through
/// <see cref="VisionLanguageRuntime.Open"/> and tested on the held-out split with greedy decoding.
/// </summary>
public static class DemoTrainer
{
    public static DemoTrainingReport Train(DemoTrainingOptions options, Action<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        options.Validate();
        var clock = Stopwatch.StartNew();
        torch.set_num_threads(options.Threads);
        torch.manual_seed(options.Seed);
        string dir = options.OutputDirectory;
        options.Shape.WriteModelFiles(dir);
        var config = (LlavaConfig)ConfigReader.Read(dir);

        using var tokenizer = TextTokenizer.FromFolder(dir);
        var processor = ImageProcessorFactory.FromFolder(dir, config.VisionPatchSize);
        var encoder = new ExampleEncoder(tokenizer, processor, ChatTemplates.For(config.ModelType, config.ImageTokenId),
            config.ImageSeqLength, DemoVocabulary.EosId, config.VisionPatchSize);
        var generator = new SceneGenerator(options.Scenes);
        var validation = Enumerable.Range(0, options.ValidationItems)
            .Select(i => encoder.Encode(generator.Generate(DatasetSplits.Seed(DatasetSplit.Validation, i))))
            .ToList();

        int steps;
        string stopReason;
        double runningLoss;
        AccuracyReport validationReport;
        TimeSpan trainingTime;
        long parameterCount;
        using (var model = new LlavaModel(config))
        {
            DemoCheckpoint.Initialize(model);
            parameterCount = model.parameters().Sum(p => p.numel());
            // The probe reads the model's word embeddings but registers only its own parameters.
            using var probe = new PatchProbe(model.LanguageModel.EmbeddingWeight, word => DemoVocabulary.IdOf(word));
            VisionWarmup.Run(model, probe, encoder, generator, options, clock, progress, cancellation);
            (steps, stopReason, runningLoss, validationReport) = Optimize(model, probe, options, encoder, generator, validation, clock, progress, cancellation);
            trainingTime = clock.Elapsed;
            DemoCheckpoint.SaveWeights(model, dir);
        }

        AccuracyReport? test = null;
        if (options.TestItems > 0)
        {
            using var runtime = VisionLanguageRuntime.Open(dir);
            var items = Enumerable.Range(0, options.TestItems)
                .Select(i => generator.Generate(DatasetSplits.Seed(DatasetSplit.Test, i)))
                .ToList();
            test = AnswerAccuracy.Greedy(runtime, items,
                done => progress?.Invoke(new TrainingProgress("test", done, items.Count, runningLoss, runningLoss, 0, validationReport, clock.Elapsed)));
        }

        var report = new DemoTrainingReport
        {
            Options = options,
            Steps = steps,
            StopReason = stopReason,
            TrainingTime = trainingTime,
            TotalTime = clock.Elapsed,
            FinalLoss = runningLoss,
            Validation = validationReport,
            Test = test,
            ParameterCount = parameterCount,
            WeightsBytes = new FileInfo(Path.Combine(dir, DemoCheckpoint.WeightsFile)).Length,
        };
        File.WriteAllText(Path.Combine(dir, "README.md"), report.ToMarkdown());
        return report;
    }

    private static (int Steps, string StopReason, double Loss, AccuracyReport Validation) Optimize(
        LlavaModel model, PatchProbe probe, DemoTrainingOptions options, ExampleEncoder encoder, SceneGenerator generator,
        IReadOnlyList<EncodedExample> validation, Stopwatch clock, Action<TrainingProgress>? progress, CancellationToken cancellation)
    {
        var parameters = model.parameters().Concat(probe.parameters()).ToList();
        foreach (var p in parameters) p.requires_grad = true;
        using var optimizer = torch.optim.AdamW(parameters, options.PeakLearningRate, weight_decay: options.WeightDecay);
        var schedule = new LearningRateSchedule(options.PeakLearningRate, options.WarmupSteps, options.MaxSteps);
        var stream = new TrainingStream(generator, encoder, options);
        int imageSize = options.Shape.ImageSize;
        double? loss = null, accuracy = null;
        double lastLoss = double.NaN;
        AccuracyReport? checkedAt = null;
        int step = 0;
        string stopReason = "end of schedule";

        AccuracyReport Validate()
        {
            model.eval();
            var report = AnswerAccuracy.TeacherForced(model, validation, 64, DemoVocabulary.PadId, imageSize);
            model.train();
            return report;
        }

        model.train();
        while (step < options.MaxSteps)
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = schedule.At(step);
            var examples = Enumerable.Range(0, options.BatchSize).Select(_ => stream.Next()).ToList();
            (lastLoss, double exact) = CollectorPause.Run(() => Step(model, probe, optimizer, parameters, examples, options));
            // Running averages over about the last 50 steps: single batches are noisy.
            loss = loss is null ? lastLoss : 0.98 * loss.Value + 0.02 * lastLoss;
            accuracy = accuracy is null ? exact : 0.98 * accuracy.Value + 0.02 * exact;
            step++;
            bool outOfTime = clock.Elapsed.TotalMinutes >= options.MaxMinutes;
            if (validation.Count > 0 && (step % options.ValidationEvery == 0 || step == options.MaxSteps || outOfTime))
            {
                checkedAt = Validate();
                if (checkedAt.Accuracy >= options.TargetAccuracy)
                {
                    stopReason = $"validation reached {100 * options.TargetAccuracy:F1} %";
                    progress?.Invoke(new TrainingProgress("train", step, options.MaxSteps, lastLoss, loss!.Value, accuracy!.Value, checkedAt, clock.Elapsed));
                    break;
                }
            }
            progress?.Invoke(new TrainingProgress("train", step, options.MaxSteps, lastLoss, loss!.Value, accuracy!.Value, checkedAt, clock.Elapsed));
            if (outOfTime)
            {
                stopReason = $"time limit of {options.MaxMinutes} min";
                break;
            }
        }
        model.eval();
        return (step, stopReason, loss ?? double.NaN, checkedAt ?? AccuracyReport.From([]));
    }

    /// <summary>One optimiser step; returns the batch's answer loss and the fraction of its answers exactly right (teacher-forced).</summary>
    private static (double Loss, double Exact) Step(LlavaModel model, PatchProbe probe, torch.optim.Optimizer optimizer,
        IReadOnlyList<TorchSharp.Modules.Parameter> parameters, IReadOnlyList<EncodedExample> examples, DemoTrainingOptions options)
    {
        using var scope = NewDisposeScope();
        using var batch = TrainingBatch.Stack(examples, DemoVocabulary.PadId, options.Shape.ImageSize);
        optimizer.zero_grad();
        var (logits, features) = BatchedLlavaForward.Forward(model, batch.Pixels, batch.Ids);
        var answerLoss = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), batch.Labels.view(-1), ignore_index: TrainingBatch.Ignored);
        var total = options.PatchLossWeight > 0
            ? answerLoss + options.PatchLossWeight * probe.Loss(features, batch.PatchShapes, batch.PatchColors)
            : answerLoss;
        total.backward();
        nn.utils.clip_grad_norm_(parameters, options.GradientClip);
        optimizer.step();
        using var noGrad = torch.no_grad();
        var exact = (logits.argmax(-1) == batch.Labels).logical_or(batch.Labels == TrainingBatch.Ignored).all(1).to(float32).mean();
        return (answerLoss.item<float>(), exact.item<float>());
    }

    /// <summary>
    /// The endless, seeded sequence of training examples: random indices into the train split, the first question's kind
    /// drawn by weight (the generator builds the scene around it), then follow-up questions about the same scene, their
    /// kinds drawn by the same weights.
    /// </summary>
    private sealed class TrainingStream(SceneGenerator generator, ExampleEncoder encoder, DemoTrainingOptions options)
    {
        private readonly Random _rng = new(options.Seed);
        private readonly (QuestionKind Kind, double Weight)[] _kinds =
            QuestionKinds.All.Select(k => (k, options.KindWeights.GetValueOrDefault(k, 1.0))).ToArray();

        public EncodedExample Next()
        {
            int index = _rng.Next(DatasetSplits.Size);
            var kind = PickKind(_rng);
            var item = generator.Generate(DatasetSplits.Seed(DatasetSplit.Train, index), kind);
            return encoder.Encode(item, SceneGenerator.FollowUps(item.Scene, options.QuestionsPerImage - 1, _rng, PickKind));
        }

        private QuestionKind PickKind(Random rng)
        {
            double pick = rng.NextDouble() * _kinds.Sum(k => k.Weight);
            foreach (var (kind, weight) in _kinds)
            {
                if (pick < weight) return kind;
                pick -= weight;
            }
            return _kinds[^1].Kind;
        }
    }
}
