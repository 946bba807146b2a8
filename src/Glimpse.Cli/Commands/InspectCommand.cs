using System.CommandLine;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Spectre.Console;

namespace Glimpse.Cli.Commands;

/// <summary><c>glimpse inspect --model DIR</c>: what a model folder holds, without running it.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var command = new Command("inspect", "Print a model's architecture, parameter count, dtype and image-token grid.") { model };
        command.SetAction(parse => CommonOptions.Run(() =>
        {
            string dir = CommonOptions.ResolveModel(parse.GetValue(model));
            using var loaded = ModelLoader.Load(dir);
            Print(loaded);
            return 0;
        }));
        return command;
    }

    private static void Print(VisionLanguageModel model)
    {
        var c = model.Config;
        long parameters = model.parameters().Sum(p => p.numel());
        var table = new Table().AddColumns("", "").HideHeaders().Border(TableBorder.Rounded);
        Row(table, "folder", Markup.Escape(c.Directory));
        Row(table, "architecture", c switch
        {
            LlavaConfig => "LLaVA-1.5 (CLIP vision tower, MLP projector, Llama decoder)",
            Qwen2VLConfig => "Qwen2-VL (ViT with 2-D rotary + 2×2 merger, Qwen2 decoder with M-RoPE)",
            Qwen25VLConfig => "Qwen2.5-VL (window-attention ViT with 2-D rotary, RMSNorm/SwiGLU + 2×2 merger, Qwen2 decoder with M-RoPE)",
            _ => c.ModelType,
        });
        Row(table, "parameters", $"{parameters:N0}");
        Row(table, "dtype / device", $"{model.DType} / {model.Device.type}");
        var t = c.Text;
        Row(table, "decoder", $"{t.ModelType}: {t.NumLayers} layers, hidden {t.HiddenSize}, {t.NumHeads} heads ({t.NumKeyValueHeads} key/value), " +
                                $"head_dim {t.HeadDim}, vocab {t.VocabSize}, context {t.MaxPositionEmbeddings}, tied embeddings {t.TieWordEmbeddings}");
        Row(table, "rotary", t.MropeSection is { } s ? $"M-RoPE θ {t.RopeTheta}, sections [{string.Join(", ", s)}]" : $"RoPE θ {t.RopeTheta}");
        switch (c)
        {
            case LlavaConfig l:
                int side = l.Vision.PatchesPerSide;
                Row(table, "vision", $"CLIP: {l.Vision.NumLayers} layers, hidden {l.Vision.HiddenSize}, image {l.Vision.ImageSize}, patch {l.Vision.PatchSize}; " +
                                       $"feature layer [{string.Join(", ", l.VisionFeatureLayers)}], strategy {l.VisionFeatureSelectStrategy}");
                Row(table, "image tokens", $"{side}×{side} = {side * side}{(l.VisionFeatureSelectStrategy == "full" ? " + CLS" : "")} (token id {l.ImageTokenId})");
                break;
            case Qwen2VLConfig q:
                int unit = q.Vision.PatchSize * q.Vision.SpatialMergeSize;
                Row(table, "vision", $"ViT: depth {q.Vision.Depth}, width {q.Vision.EmbedDim}, {q.Vision.NumHeads} heads, patch {q.Vision.PatchSize}, merge {q.Vision.SpatialMergeSize}");
                Row(table, "image tokens", $"dynamic: one per {unit}×{unit} pixels of the resized image, (H/{unit})×(W/{unit}) (token id {q.ImageTokenId})");
                break;
            case Qwen25VLConfig q:
                int unit25 = q.Vision.PatchSize * q.Vision.SpatialMergeSize;
                Row(table, "vision", $"ViT: depth {q.Vision.Depth}, width {q.Vision.HiddenSize}, {q.Vision.NumHeads} heads, MLP {q.Vision.IntermediateSize}, " +
                                     $"patch {q.Vision.PatchSize}, merge {q.Vision.SpatialMergeSize}, window {q.Vision.WindowSize} px, " +
                                     $"full attention in blocks [{string.Join(", ", q.Vision.FullAttentionBlocks)}]");
                Row(table, "image tokens", $"dynamic: one per {unit25}×{unit25} pixels of the resized image, (H/{unit25})×(W/{unit25}) (token id {q.ImageTokenId})");
                break;
        }
        AnsiConsole.Write(table);
    }

    // Plain text cells: values such as "[2, 3, 3]" are not markup.
    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));
}
