namespace Glimpse.Pipeline.Handlers;

/// <summary>The one-blob shortcut (<see cref="InboxHandler"/>).</summary>
public sealed class InboxOptions
{
    /// <summary>The model of an inbox image whose metadata names none; null: such an image's job fails naming the gap.</summary>
    public string? DefaultModel { get; set; }
}
