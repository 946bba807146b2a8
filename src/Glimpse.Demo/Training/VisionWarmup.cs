using Glimpse.Model.Families.Llava;
using System.Diagnostics;
using Glimpse.Demo.Questions;
using Glimpse.Model.Architectures;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Demo.Training;

/// <summary>
/// Training's first stage, LLaVA's feature-alignment stage in miniature: before any question is asked, the vision tower
/// and projector learn, through the <see cref="PatchProbe"/> alone, to name the shape and colour in every patch of
/// crowded scenes (half to all of the cells filled). Every question needs objects told apart by shape, and the answer
/// loss reaches the vision tower only once the decoder already attends to the right tokens; here a step sees some
/// 300 labelled objects instead of the 40 of a question batch, and costs a vision pass alone.
/// </summary>
public static class VisionWarmup
{
    public static void Run(LlavaModel model, PatchProbe probe, ExampleEncoder encoder, SceneGenerator generator, DemoTrainingOptions options,
        Stopwatch clock, Action<TrainingProgress>? progress, CancellationToken cancellation)
    {
        if (options.VisionWarmupSteps == 0) return;
        // The decoder gets no gradient here, so AdamW leaves it as it is; the word embeddings the probe reads do move.
        var parameters = model.parameters().Concat(probe.parameters()).ToList();
        foreach (var p in parameters) p.requires_grad = true;
        using var optimizer = torch.optim.AdamW(parameters, options.PeakLearningRate, weight_decay: options.WeightDecay);
        var schedule = new LearningRateSchedule(options.PeakLearningRate, Math.Min(options.WarmupSteps, options.VisionWarmupSteps / 4), options.VisionWarmupSteps, FinalFraction: 0.3);
        // A stream of its own, derived from the seed alone (HashCode.Combine would differ from process to process).
        var rng = new Random(unchecked(options.Seed * 1_000_003 + 0x5EED));
        // Up to one object a cell, but no more than there are distinct colour-and-shape pairs (a 6 × 6 grid has more cells).
        int cells = Math.Min(generator.Options.Columns * generator.Options.Rows, SceneGenerator.DistinctObjects);
        int imageSize = options.Shape.ImageSize;
        double shapeAccuracy = 0, colorAccuracy = 0, loss = 0;
        model.train();
        for (int step = 0; step < options.VisionWarmupSteps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = schedule.At(step);
            var scenes = Enumerable.Range(0, options.VisionWarmupBatchSize)
                .Select(_ => encoder.EncodeScene(generator.Crowded(DatasetSplits.Seed(DatasetSplit.Train, rng.Next(DatasetSplits.Size)), rng.Next(cells / 2, cells + 1))))
                .ToList();
            var (stepLoss, shape, color) = CollectorPause.Run(() =>
            {
                using var scope = NewDisposeScope();
                var pixels = torch.tensor(scenes.SelectMany(s => s.Pixels).ToArray(), [scenes.Count, 3, imageSize, imageSize]);
                var shapes = torch.tensor(scenes.SelectMany(s => s.PatchShapes).ToArray(), [scenes.Count, scenes[0].PatchShapes.Length]);
                var colors = torch.tensor(scenes.SelectMany(s => s.PatchColors).ToArray(), [scenes.Count, scenes[0].PatchColors.Length]);
                optimizer.zero_grad();
                var features = model.EncodeImages(pixels);                                   // [B, K, D]
                var probeLoss = probe.Loss(features, shapes, colors);
                probeLoss.backward();
                nn.utils.clip_grad_norm_(parameters, options.GradientClip);
                optimizer.step();
                var (s, c) = probe.Accuracy(features, shapes, colors);
                return (probeLoss.item<float>(), s, c);
            });
            // Running averages over about the last 20 steps.
            double keep = step == 0 ? 0 : 0.95;
            (loss, shapeAccuracy, colorAccuracy) = (keep * loss + (1 - keep) * stepLoss, keep * shapeAccuracy + (1 - keep) * shape, keep * colorAccuracy + (1 - keep) * color);
            progress?.Invoke(new TrainingProgress("vision", step + 1, options.VisionWarmupSteps, stepLoss, loss, shapeAccuracy, null, clock.Elapsed)
            {
                ColorAccuracy = colorAccuracy,
            });
        }
    }
}
