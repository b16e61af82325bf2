from httplab.launcher import main

main()
