using System.CommandLine;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Families;
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
        var family = ModelFamilies.For(c.ModelType);
        long parameters = model.parameters().Sum(p => p.numel());
        var table = new Table().AddColumns("", "").HideHeaders().Border(TableBorder.Rounded);
        Row(table, "folder", Markup.Escape(c.Directory));
        Row(table, "architecture", $"{family.Description} — model_type {c.ModelType}");
        Row(table, "parameters", $"{parameters:N0}");
        Row(table, "dtype / device", $"{model.DType} / {model.Device.type}");
        var t = c.Text;
        Row(table, "decoder", $"{t.ModelType}: {t.NumLayers} layers, hidden {t.HiddenSize}, {t.NumHeads} heads ({t.NumKeyValueHeads} key/value), " +
                                $"head_dim {t.HeadDim}, vocab {t.VocabSize}, context {t.MaxPositionEmbeddings}, tied embeddings {t.TieWordEmbeddings}");
        Row(table, "rotary", t.MropeSection is { } s ? $"M-RoPE θ {t.RopeTheta}, sections [{string.Join(", ", s)}] {t.MropeLayout.ToString().ToLowerInvariant()}" +
                                                   (t.QkNorm ? "; q/k RMSNorm per head" : "") : $"RoPE θ {t.RopeTheta}");
        foreach (var (name, value) in family.Describe(c)) Row(table, name, value);
        AnsiConsole.Write(table);
    }

    // Plain text cells: values such as "[2, 3, 3]" are not markup.
    private static void Row(Table table, string name, string value) => table.AddRow(new Text(name), new Text(value));
}
