namespace CortexHybrid.Memory.Stores;

/// <summary>A store cannot be opened: its directory cannot be created or written, it is locked by another instance, or its file is not a memory store.</summary>
public sealed class MemoryStoreUnavailableException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">One line saying which store and why.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public MemoryStoreUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
